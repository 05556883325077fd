import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { InvalidArgumentError } from '../../src/errors.js';
import {
  currentHost,
  GlobusEndpoint,
} from '../../src/globus/endpoint.js';
import { GlobusEndpoints } from '../../src/globus/endpoints.js';
import { GlobusEndpointNotFoundError } from '../../src/globus/errors.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function endpoint(uuid: string, host: string | RegExp): GlobusEndpoint {
  return new GlobusEndpoint({
    uuid,
    endpointPath: '/cache',
    localPath: `/tmp/${uuid}`,
    hostPattern: host,
  });
}

describe('GlobusEndpoint', { timeout: 10_000 }, () => {
  it('matches the whole host name, not a part of it', () => {
    const e = endpoint(A, 'login\\d+\\.site');
    assert.equal(e.matchesHost('login3.site'), true);
    assert.equal(e.matchesHost('login3.site.example'), false);
    assert.equal(e.matchesHost('xlogin3.site'), false);
  });

  it('accepts a RegExp without flags and rejects one with flags', () => {
    assert.equal(endpoint(A, /node-\d+/).matchesHost('node-7'), true);
    assert.equal(endpoint(A, /node-\d+/).hostPattern, 'node-\\d+');
    assert.throws(() => endpoint(A, /node/i), InvalidArgumentError);
  });

  it('rejects empty fields and invalid patterns with the option name', () => {
    assert.throws(() => endpoint('', 'x'), /Invalid uuid/);
    assert.throws(() => endpoint(A, '('), /Invalid hostPattern/);
    assert.throws(
      () => new GlobusEndpoint({ uuid: A, endpointPath: '', localPath: '/x', hostPattern: 'x' }),
      /Invalid endpointPath/,
    );
  });

  it('expands ~ in the local path', () => {
    const e = new GlobusEndpoint({
      uuid: A,
      endpointPath: '/c',
      localPath: '~/ps-cache',
      hostPattern: 'h',
    });
    assert.equal(e.localPath, '~/ps-cache');
    assert.equal(e.localDir, join(homedir(), 'ps-cache'));
  });

  it('equals() compares all four fields', () => {
    assert.equal(endpoint(A, 'h').equals(endpoint(A, 'h')), true);
    assert.equal(endpoint(A, 'h').equals(endpoint(A, 'g')), false);
  });
});

describe('GlobusEndpoints', { timeout: 10_000 }, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ps-globus-ep-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('needs at least two endpoints', () => {
    assert.throws(
      () => new GlobusEndpoints([endpoint(A, 'a')]),
      (err: unknown) =>
        err instanceof InvalidArgumentError && /at least 2 endpoints/.test(err.message),
    );
    assert.throws(() => new GlobusEndpoints([]), /at least 2/);
  });

  it('rejects duplicate collection UUIDs', () => {
    assert.throws(
      () => new GlobusEndpoints([endpoint(A, 'a'), endpoint(A, 'b')]),
      (err: unknown) =>
        err instanceof InvalidArgumentError && err.message.includes(A),
    );
  });

  it('looks endpoints up by UUID and by host', () => {
    const eps = new GlobusEndpoints([endpoint(A, 'site-a'), endpoint(B, 'site-b\\d*')]);
    assert.equal(eps.size, 2);
    assert.equal(eps.get(B).uuid, B);
    assert.equal(eps.byHost('site-b12').uuid, B);
    assert.equal(eps.has(A), true);
    assert.deepEqual([...eps].map((e) => e.uuid), [A, B]);
  });

  it('fails clearly when no endpoint has the UUID or matches the host', () => {
    const eps = new GlobusEndpoints([endpoint(A, 'site-a'), endpoint(B, 'site-b')]);
    assert.throws(
      () => eps.get('nope'),
      (err: unknown) => err instanceof GlobusEndpointNotFoundError && err.uuid === 'nope',
    );
    assert.throws(
      () => eps.byHost('site-c'),
      (err: unknown) =>
        err instanceof GlobusEndpointNotFoundError &&
        err.host === 'site-c' &&
        err.message.includes('PROXYSTORE_GLOBUS_HOSTNAME'),
    );
  });

  it('local() follows PROXYSTORE_GLOBUS_HOSTNAME, else os.hostname()', () => {
    assert.equal(currentHost({ PROXYSTORE_GLOBUS_HOSTNAME: 'site-b' }), 'site-b');
    assert.equal(currentHost({}), hostname());
    const eps = new GlobusEndpoints([endpoint(A, 'site-a'), endpoint(B, 'site-b')]);
    assert.equal(eps.local('site-a').uuid, A);
  });

  it('round-trips through the upstream-compatible plain object', () => {
    const eps = new GlobusEndpoints([endpoint(A, 'site-a'), endpoint(B, 'site-b')]);
    const plain = eps.toObject();
    assert.deepEqual(plain[A], {
      endpoint_path: '/cache',
      local_path: `/tmp/${A}`,
      host_regex: 'site-a',
    });
    const again = GlobusEndpoints.fromObject(JSON.parse(JSON.stringify(plain)));
    assert.ok(again.get(A).equals(eps.get(A)));
    assert.ok(again.get(B).equals(eps.get(B)));
  });

  it('accepts camelCase field names too', () => {
    const eps = GlobusEndpoints.fromObject({
      [A]: { endpointPath: '/x', localPath: '/y', hostPattern: 'a' },
      [B]: { endpoint_path: '/x', local_path: '/z', host_regex: 'b' },
    });
    assert.equal(eps.get(A).localPath, '/y');
  });

  it('rejects malformed plain objects naming the field', () => {
    assert.throws(() => GlobusEndpoints.fromObject([]), /keyed by collection UUID/);
    assert.throws(
      () => GlobusEndpoints.fromObject({ [A]: { endpoint_path: '/x', local_path: '/y' } }),
      /missing field host_regex/,
    );
  });

  it('reads a JSON file, and names the file when it cannot', async () => {
    const file = join(dir, 'endpoints.json');
    await writeFile(
      file,
      JSON.stringify({
        [A]: { endpoint_path: '/c', local_path: '/l', host_regex: 'a' },
        [B]: { endpoint_path: '/c', local_path: '/m', host_regex: 'b' },
      }),
    );
    assert.equal(GlobusEndpoints.fromJsonFile(file).get(B).localPath, '/m');

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ nope');
    assert.throws(() => GlobusEndpoints.fromJsonFile(broken), /broken\.json.*not valid JSON/);
    assert.throws(() => GlobusEndpoints.fromJsonFile(join(dir, 'missing.json')), /Cannot read/);
  });
});

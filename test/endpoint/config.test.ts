import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  configFromToml,
  configToToml,
  makeEndpointConfig,
} from '../../src/endpoint/config.js';
import {
  endpointPaths,
  listEndpointConfigs,
  readEndpointConfig,
  writeEndpointConfig,
} from '../../src/endpoint/config-files.js';
import { EndpointError } from '../../src/errors.js';
import { proxystoreHome } from '../../src/utils/home.js';

describe('proxystoreHome()', () => {
  it('uses PROXYSTORE_HOME first, made absolute', () => {
    const home = proxystoreHome({ PROXYSTORE_HOME: 'rel/dir', XDG_DATA_HOME: '/x' });
    assert.equal(home, join(process.cwd(), 'rel/dir'));
  });

  it('falls back to the platform data directory', { skip: process.platform !== 'linux' }, () => {
    assert.equal(proxystoreHome({ XDG_DATA_HOME: '/data' }), '/data/proxystore');
    assert.equal(
      proxystoreHome({}),
      join(homedir(), '.local', 'share', 'proxystore'),
    );
  });
});

describe('endpoint config', () => {
  const uuid = randomUUID();
  let home: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-endpoint-config-'));
  });

  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('round-trips every field through TOML', () => {
    const config = makeEndpointConfig({
      name: 'site-a',
      uuid,
      host: '10.0.0.5',
      port: 8765,
      token: 'secret-token-1',
      relay: { address: 'ws://127.0.0.1:9000', token: 'relay-token-1' },
      storage: { maxObjectSize: 5000, memoryLimit: 7000, databasePath: '/tmp/db' },
    });
    const text = configToToml(config);
    assert.match(text, /\[relay\]/);
    assert.match(text, /max_object_size = 5000/);
    assert.deepEqual(configFromToml(text, 'test'), config);
  });

  it('fills defaults for a minimal file', () => {
    const config = configFromToml(`name = "a"\nuuid = "${uuid}"\nport = 0\n`, 'x');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.relay, undefined);
    assert.equal(config.storage.maxObjectSize, 1024 ** 3);
    assert.equal(config.storage.databasePath, undefined);
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['name', { name: 'bad name!' }, /Invalid endpoint name "bad name!"/],
    ['uuid', { uuid: 'not-a-uuid' }, /invalid uuid \("not-a-uuid"\)/],
    ['port', { port: 70000 }, /invalid port \(70000\)/],
    ['relay address', { relay: { address: 'http://x' } }, /relay address/],
    ['max_object_size', { storage: { maxObjectSize: 0 } }, /max_object_size \(0\)/],
    ['memory_limit', { storage: { memoryLimit: -1 } }, /memory_limit \(-1\)/],
  ];
  for (const [field, change, message] of invalid) {
    it(`rejects an invalid ${field}, naming the endpoint and the field`, () => {
      const fields = { name: 'ep', uuid, port: 1234, ...change };
      assert.throws(
        () => makeEndpointConfig(fields as Parameters<typeof makeEndpointConfig>[0]),
        (err: unknown) =>
          err instanceof EndpointError &&
          message.test(err.message) &&
          (field === 'name' || err.message.includes("Endpoint 'ep'")),
      );
    });
  }

  it('rejects text that is not TOML, naming the file', () => {
    assert.throws(() => configFromToml('name = = 1', '/some/config.toml'), {
      name: 'EndpointError',
      message: /\/some\/config\.toml is not valid TOML/,
    });
  });

  it('writes to and reads from <home>/endpoints/<name>/config.toml', async () => {
    const config = makeEndpointConfig({ name: 'written', uuid, port: 0 });
    await writeEndpointConfig(config, home);

    assert.equal(
      endpointPaths('written', home).config,
      join(home, 'endpoints', 'written', 'config.toml'),
    );
    assert.deepEqual(await readEndpointConfig('written', home), config);
  });

  it('names the endpoint and the command to run when it is missing', async () => {
    await assert.rejects(readEndpointConfig('nothing', home), {
      name: 'EndpointError',
      message: /No endpoint named 'nothing'.*proxystore-endpoint configure nothing/s,
    });
  });

  it('lists valid configs and reports broken folders', async () => {
    await mkdir(join(home, 'endpoints', 'broken'), { recursive: true });
    await writeFile(join(home, 'endpoints', 'broken', 'config.toml'), 'port = "x"');
    await mkdir(join(home, 'endpoints', 'empty'), { recursive: true });

    const entries = await listEndpointConfigs(home);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()], ['broken', 'empty', 'written']);
    assert.ok(byName.get('broken')?.error instanceof EndpointError);
    assert.ok(byName.get('empty')?.error instanceof EndpointError);
    assert.equal(byName.get('written')?.config?.uuid, uuid);
  });

  it('returns no configs when the home has no endpoints folder', async () => {
    assert.deepEqual(await listEndpointConfigs(join(home, 'missing')), []);
  });
});

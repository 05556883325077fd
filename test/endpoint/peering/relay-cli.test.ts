import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { RelayClient } from '../../../src/endpoint/peering/relay-client.js';
import { RelayRegistrationError } from '../../../src/errors.js';
import { type ChildHandle, spawnTs, startRelayProcess } from './helpers.js';

const TIMEOUT = { timeout: 30_000 };
const RELAY_CLI = fileURLToPath(new URL('../../../src/cli/relay.ts', import.meta.url));

describe('proxystore-relay', () => {
  const children: ChildHandle[] = [];

  after(async () => {
    for (const child of children) await child.stop();
  });

  it('requires the token given with --token', TIMEOUT, async () => {
    const relay = await startRelayProcess(['--token', 'cli-secret']);
    children.push(relay);
    assert.match(relay.output(), /\(token required\)/);

    const anonymous = new RelayClient({ address: relay.url, id: 'anon' });
    await assert.rejects(
      anonymous.connect(),
      (error: unknown) => error instanceof RelayRegistrationError && error.code === 4001,
    );
    await anonymous.close();

    const member = new RelayClient({ address: relay.url, id: 'member', token: 'cli-secret' });
    await member.connect();
    assert.equal(member.state, 'connected');
    await member.close();

    assert.equal(await relay.stop(), 0);
    assert.match(relay.output(), /stopping on SIGTERM[\s\S]*stopped/);
  });

  it('applies --max-message-bytes', TIMEOUT, async () => {
    const relay = await startRelayProcess(['--max-message-bytes', '2048']);
    children.push(relay);

    const client = new RelayClient({ address: relay.url, id: 'small' });
    await client.connect();
    assert.throws(
      () => client.send({ type: 'offer', to: 'x', connection: 'c', sdp: 'x'.repeat(4096) }),
      /at most 2048 bytes/,
    );
    await client.close();
  });

  it('stops on SIGINT too', TIMEOUT, async () => {
    const relay = await startRelayProcess();
    children.push(relay);
    relay.process.kill('SIGINT');
    assert.equal(await relay.exited(), 0, relay.output());
    assert.match(relay.output(), /stopping on SIGINT[\s\S]*stopped/);
  });

  it('exits with 1 and a clear message on a bad option', TIMEOUT, async () => {
    const bad = spawnTs(RELAY_CLI, ['--port', 'abc']);
    children.push(bad);
    await bad.waitForLine(/--port takes a whole number, not 'abc'/);
    assert.equal(await bad.exited(), 1);

    const unknown = spawnTs(RELAY_CLI, ['--bogus']);
    children.push(unknown);
    await unknown.waitForLine(/Unknown option '--bogus'/);
    assert.equal(await unknown.exited(), 1);
  });

  it('prints usage with --help', TIMEOUT, async () => {
    const help = spawnTs(RELAY_CLI, ['--help']);
    children.push(help);
    await help.waitForLine(/Usage: proxystore-relay/);
    assert.equal(await help.exited(), 0);
  });
});

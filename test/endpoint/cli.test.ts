import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { readEndpointConfig } from '../../src/endpoint/config-files.js';
import { readPidFile } from '../../src/endpoint/pid-file.js';
import { CLI, rawRequest, runCli } from './helpers.js';

const TIMEOUT = { timeout: 90_000 };

describe('proxystore-endpoint CLI', { timeout: 600_000 }, () => {
  let home: string;
  const started = new Set<string>();

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'ps-endpoint-cli-'));
  });

  after(async () => {
    for (const name of started) await runCli(home, ['stop', name]);
    await rm(home, { recursive: true, force: true });
  });

  async function pidOf(name: string): Promise<number> {
    const info = await readPidFile(join(home, 'endpoints', name, 'daemon.pid'));
    assert.ok(info !== null, `${name} has a pid file`);
    return info.pid;
  }

  it('help prints the usage and exits 0; no command exits 1', TIMEOUT, async () => {
    const help = await runCli(home, ['help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /configure NAME/);
    assert.equal((await runCli(home, [])).code, 1);
  });

  it('an unknown command is named as unknown, with the list of commands', TIMEOUT, async () => {
    const res = await runCli(home, ['frobnicate', 'x']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Unknown command 'frobnicate'\. Commands: configure, list/);
  });

  it('list says when nothing is configured', TIMEOUT, async () => {
    const res = await runCli(home, ['list']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /No endpoints are configured/);
  });

  it('configure writes config.toml with the options given', TIMEOUT, async () => {
    const res = await runCli(home, [
      'configure', 'alpha', '--port', '0', '--max-object-size', '4096',
      '--memory-limit', '2048', '--persist', '--relay-address', 'ws://127.0.0.1:1',
      '--relay-token', 'relay-secret-1',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Configured endpoint alpha </);

    const config = await readEndpointConfig('alpha', home);
    assert.equal(config.port, 0);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.storage.maxObjectSize, 4096);
    assert.equal(config.storage.memoryLimit, 2048);
    assert.equal(config.storage.databasePath, join(home, 'endpoints', 'alpha', 'blobs'));
    assert.deepEqual(config.relay, { address: 'ws://127.0.0.1:1', token: 'relay-secret-1' });
  });

  it('configure fails, naming the endpoint, when it exists already', TIMEOUT, async () => {
    const res = await runCli(home, ['configure', 'alpha']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Endpoint 'alpha' exists already.*proxystore-endpoint remove alpha/s);
  });

  it('configure fails on an invalid name or option', TIMEOUT, async () => {
    const badName = await runCli(home, ['configure', 'no/slash']);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /Invalid endpoint name "no\/slash"/);

    const badPort = await runCli(home, ['configure', 'beta', '--port', 'x']);
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /--port takes a whole number/);

    const badRelay = await runCli(home, ['configure', 'beta', '--relay-address', 'http://x']);
    assert.equal(badRelay.code, 1);
    assert.match(badRelay.stderr, /Endpoint 'beta' has an invalid relay address/);
  });

  it('start daemonizes, list shows it running, stop stops it', TIMEOUT, async () => {
    assert.equal((await runCli(home, ['configure', 'gamma', '--port', '0'])).code, 0);

    const start = await runCli(home, ['start', 'gamma']);
    assert.equal(start.code, 0, start.stderr);
    started.add('gamma');
    assert.match(start.stdout, /Started endpoint gamma \(pid \d+\); log: /);

    const info = await readPidFile(join(home, 'endpoints', 'gamma', 'daemon.pid'));
    assert.ok(info?.port !== undefined && info.port > 0);
    const identity = await rawRequest(info.port, 'GET', '/endpoint');
    const config = await readEndpointConfig('gamma', home);
    assert.equal(JSON.parse(identity.body.toString()).uuid, config.uuid);

    const list = await runCli(home, ['list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^NAME\s+STATUS\s+UUID\s+ADDRESS$/m);
    assert.match(
      list.stdout,
      new RegExp(
        `^gamma\\s+RUNNING\\s+${config.uuid}\\s+http://127\\.0\\.0\\.1:${info.port}$`,
        'm',
      ),
    );
    assert.match(list.stdout, /^alpha\s+STOPPED\s+/m);

    const again = await runCli(home, ['start', 'gamma']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Endpoint 'gamma' is already running/);

    const removeRunning = await runCli(home, ['remove', 'gamma']);
    assert.equal(removeRunning.code, 1);
    assert.match(removeRunning.stderr, /Endpoint 'gamma' is running; stop it first/);

    const stop = await runCli(home, ['stop', 'gamma']);
    assert.equal(stop.code, 0, stop.stderr);
    started.delete('gamma');
    assert.match(stop.stdout, /Stopped endpoint gamma\./);
    await assert.rejects(stat(join(home, 'endpoints', 'gamma', 'daemon.pid')), {
      code: 'ENOENT',
    });
    await assert.rejects(rawRequest(info.port, 'GET', '/'), { code: 'ECONNREFUSED' });

    const log = await readFile(join(home, 'endpoints', 'gamma', 'log.txt'), 'utf8');
    assert.match(log, /serving on 127\.0\.0\.1:\d+/);
    assert.match(log, /Received SIGTERM; stopping\./);

    const stopAgain = await runCli(home, ['stop', 'gamma']);
    assert.equal(stopAgain.code, 0);
    assert.match(stopAgain.stdout, /is not running/);
  });

  it('start and stop clean up a stale pid file', TIMEOUT, async () => {
    assert.equal((await runCli(home, ['configure', 'delta', '--port', '0'])).code, 0);
    const pidPath = join(home, 'endpoints', 'delta', 'daemon.pid');

    // A pid that is alive but is not an endpoint (this test process).
    await writeFile(pidPath, `${process.pid}\n127.0.0.1:1\n`);
    const list = await runCli(home, ['list']);
    assert.match(list.stdout, /^delta\s+HANGING\s+/m);
    const stop = await runCli(home, ['stop', 'delta']);
    assert.equal(stop.code, 0);
    assert.match(stop.stdout, /removed its stale pid file/);
    await assert.rejects(stat(pidPath), { code: 'ENOENT' });

    await writeFile(pidPath, '999999999\n');
    const start = await runCli(home, ['start', 'delta']);
    assert.equal(start.code, 0, start.stderr);
    started.add('delta');
    assert.match(start.stderr, /Removing the stale pid file of endpoint 'delta'/);
    assert.notEqual(await pidOf('delta'), 999999999);

    assert.equal((await runCli(home, ['stop', 'delta'])).code, 0);
    started.delete('delta');
  });

  it('start, stop and remove of an unknown endpoint fail naming it', TIMEOUT, async () => {
    for (const command of ['start', 'stop', 'remove']) {
      const res = await runCli(home, [command, 'ghost']);
      assert.equal(res.code, 1, command);
      assert.match(res.stderr, /'ghost'/);
    }
  });

  it('start fails with the log tail when the port is taken', TIMEOUT, async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    try {
      const port = (blocker.address() as { port: number }).port;
      assert.equal((await runCli(home, ['configure', 'eps', '--port', String(port)])).code, 0);
      const res = await runCli(home, ['start', 'eps']);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /Endpoint 'eps' exited during start-up/);
      assert.match(res.stderr, /cannot listen on 127\.0\.0\.1:\d+.*EADDRINUSE/s);
    } finally {
      blocker.close();
    }
  });

  it('start --foreground serves until SIGTERM and removes its pid file', TIMEOUT, async () => {
    assert.equal((await runCli(home, ['configure', 'fore', '--port', '0'])).code, 0);
    const args = ['--import', 'tsx', CLI, 'start', 'fore', '--foreground'];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, PROXYSTORE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const deadline = Date.now() + 60_000;
      while (!/serving on/.test(out) && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50));
      }
      assert.match(out, /Endpoint fore <[0-9a-f-]+> serving on 127\.0\.0\.1:\d+/, err);
      assert.equal(await pidOf('fore'), child.pid);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, `stdout: ${out}\nstderr: ${err}`);
      await assert.rejects(stat(join(home, 'endpoints', 'fore', 'daemon.pid')), {
        code: 'ENOENT',
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('remove deletes a stopped endpoint', TIMEOUT, async () => {
    const res = await runCli(home, ['remove', 'alpha']);
    assert.equal(res.code, 0, res.stderr);
    await assert.rejects(stat(join(home, 'endpoints', 'alpha')), { code: 'ENOENT' });
    assert.doesNotMatch((await runCli(home, ['list'])).stdout, /alpha/);
  });
});

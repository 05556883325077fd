import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { makeEndpointConfig } from '../../src/endpoint/config.js';
import { writeEndpointConfig } from '../../src/endpoint/config-files.js';
import { EndpointConnector } from '../../src/endpoint/index.js';
import { EndpointConnectorError, InvalidArgumentError } from '../../src/errors.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';
import { startCliEndpoint, type CliEndpoint } from './helpers.js';

const TIMEOUT = { timeout: 120_000 };

const homes: string[] = [];
const endpoints: CliEndpoint[] = [];

async function newHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'ps-endpoint-connector-'));
  homes.push(home);
  return home;
}

async function start(home: string, name: string, args: string[] = []): Promise<CliEndpoint> {
  const ep = await startCliEndpoint(home, name, args);
  endpoints.push(ep);
  return ep;
}

after(async () => {
  for (const ep of endpoints) await ep.stop();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

let contractHome = '';
let contractEndpoint: CliEndpoint | undefined;
describeConnectorContract('EndpointConnector', {
  make: async () => {
    contractHome = await newHome();
    contractEndpoint = await start(contractHome, 'contract');
    return new EndpointConnector({
      endpoints: [contractEndpoint.uuid],
      proxystoreDir: contractHome,
    });
  },
  timeoutMs: 60_000,
});

describe('EndpointConnector', { timeout: 600_000 }, () => {
  let home: string;
  let main: CliEndpoint;

  before(async () => {
    home = await newHome();
    main = await start(home, 'main', ['--max-object-size', String(4 * 1024 * 1024)]);
  });

  describe('finding the local endpoint', () => {
    it('rejects an empty or malformed endpoint list', () => {
      assert.throws(() => new EndpointConnector({ endpoints: [] }), InvalidArgumentError);
      assert.throws(
        () => new EndpointConnector({ endpoints: ['not-a-uuid'] }),
        InvalidArgumentError,
      );
    });

    it('uses the first listed endpoint that runs here', TIMEOUT, async () => {
      const c = new EndpointConnector({
        endpoints: [randomUUID(), main.uuid],
        proxystoreDir: home,
      });
      try {
        assert.equal(await c.endpointId(), main.uuid);
        const key = await c.put(Buffer.from('x'));
        assert.deepEqual(key.endpointId, main.uuid);
        assert.deepEqual(Object.keys(key).sort(), ['endpointId', 'objectId']);
      } finally {
        await c.close();
      }
    });

    it('fails with "Failed to find" when no listed endpoint is configured', TIMEOUT, async () => {
      const c = new EndpointConnector({ endpoints: [randomUUID()], proxystoreDir: home });
      await assert.rejects(c.put(Buffer.from('x')), {
        name: 'EndpointConnectorError',
        message: /Failed to find a running endpoint among \[.*\].*proxystore-endpoint start/s,
      });
      await c.close();
    });

    it('explains an endpoint that is stopped or answers another id', TIMEOUT, async () => {
      const stopped = makeEndpointConfig({ name: 'stopped', uuid: randomUUID(), port: 0 });
      const liar = makeEndpointConfig({ name: 'liar', uuid: randomUUID(), port: main.port });
      await writeEndpointConfig(stopped, home);
      await writeEndpointConfig(liar, home);

      const c = new EndpointConnector({
        endpoints: [stopped.uuid, liar.uuid],
        proxystoreDir: home,
      });
      await assert.rejects(c.exists({ objectId: 'a', endpointId: liar.uuid }), (err) => {
        assert.ok(err instanceof EndpointConnectorError);
        assert.match(err.message, /'stopped' is not running/);
        const liarText = `'liar' at .* answers with another id \\(${main.uuid}\\)`;
        assert.match(err.message, new RegExp(liarText));
        return true;
      });
      await c.close();
    });

    it('finds the endpoint again after a failed search (retry)', TIMEOUT, async () => {
      const c = new EndpointConnector({ endpoints: [main.uuid], proxystoreDir: join(home, 'no') });
      await assert.rejects(c.endpointId(), EndpointConnectorError);
      await c.close();
    });

    it('rebuilds from config() with the same endpoints and home', () => {
      const c = new EndpointConnector({ endpoints: [main.uuid], proxystoreDir: home });
      assert.deepEqual(c.config(), {
        kind: 'endpoint',
        options: { endpoints: [main.uuid], proxystoreDir: home },
      });
      assert.deepEqual(EndpointConnector.fromConfig(c.config().options).config(), c.config());
    });
  });

  describe('transfers', () => {
    let c: EndpointConnector;

    before(() => {
      c = new EndpointConnector({ endpoints: [main.uuid], proxystoreDir: home });
    });

    after(async () => {
      await c?.close();
    });

    it('refuses an object just over the limit with a typed 413', TIMEOUT, async () => {
      const limit = 4 * 1024 * 1024;
      await assert.rejects(c.put(randomBytes(limit + 1)), (err: unknown) => {
        assert.ok(err instanceof EndpointConnectorError);
        assert.equal(err.status, 413);
        assert.equal(err.connectorKind, 'endpoint');
        assert.match(err.message, new RegExp(`maximum object size of ${limit} bytes`));
        return true;
      });
      const key = await c.put(randomBytes(limit));
      assert.equal((await c.get(key))?.byteLength, limit);
    });

    it('rejects a key that is not an endpoint key', TIMEOUT, async () => {
      await assert.rejects(
        c.get({ objectId: 'x', endpointId: 'nope' }),
        InvalidArgumentError,
      );
    });
  });

  describe('restarts', () => {
    it('keeps objects across a restart with --persist', TIMEOUT, async () => {
      const h = await newHome();
      const first = await start(h, 'durable', ['--persist']);
      const c = new EndpointConnector({ endpoints: [first.uuid], proxystoreDir: h });
      try {
        const data = randomBytes(100_000);
        const key = await c.put(data);
        await first.stop();
        await start(h, 'durable');

        const again = new EndpointConnector({ endpoints: [first.uuid], proxystoreDir: h });
        try {
          assert.deepEqual(Buffer.from((await again.get(key)) ?? []), data);
        } finally {
          await again.close();
        }
      } finally {
        await c.close();
      }
    });

    it('loses objects across a restart without a database', TIMEOUT, async () => {
      const h = await newHome();
      const first = await start(h, 'volatile');
      const c = new EndpointConnector({ endpoints: [first.uuid], proxystoreDir: h });
      try {
        const key = await c.put(randomBytes(1000));
        await first.stop();
        await start(h, 'volatile');
        const again = new EndpointConnector({ endpoints: [first.uuid], proxystoreDir: h });
        try {
          assert.equal(await again.get(key), null);
        } finally {
          await again.close();
        }
      } finally {
        await c.close();
      }
    });
  });

  describe('an endpoint killed during a transfer', () => {
    it('fails requests in flight with a typed error, never partial data', TIMEOUT, async () => {
      const h = await newHome();
      const ep = await start(h, 'doomed');
      const c = new EndpointConnector({ endpoints: [ep.uuid], proxystoreDir: h });
      try {
        const size = 64 * 1024 * 1024;
        const data = randomBytes(size);
        const key = await c.put(data);

        const before = bytesWritten(ep.pid);
        const gets = [0, 1, 2, 3].map(() => c.get(key));
        await waitForBytesWritten(ep.pid, before + 1024 * 1024);
        process.kill(ep.pid, 'SIGKILL');

        const results = await Promise.allSettled(gets);
        let failed = 0;
        for (const r of results) {
          if (r.status === 'fulfilled') {
            assert.ok(r.value !== null && Buffer.from(r.value).equals(data));
          } else {
            failed += 1;
            assert.ok(r.reason instanceof EndpointConnectorError, String(r.reason));
            assert.match(r.reason.message, /GET \/get on the endpoint at http:\/\/127\.0\.0\.1/);
          }
        }
        assert.ok(failed >= 1, 'at least one transfer was cut');

        await assert.rejects(c.exists(key), {
          name: 'EndpointConnectorError',
          message: /proxystore-endpoint list/,
        });
      } finally {
        await c.close();
      }
    });
  });
});

/** Bytes the process has written so far (Linux), or 0 elsewhere. */
function bytesWritten(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/^wchar:\s+(\d+)/m.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Waits (at most 20 s) until the process has written `target` bytes. */
async function waitForBytesWritten(pid: number, target: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && bytesWritten(pid) < target) {
    await new Promise((done) => setImmediate(done));
  }
}

/**
 * The connector contract suite: every connector runs it (its own test file
 * adds only what is specific to it).
 *
 *   describeConnectorContract('FileConnector', {
 *     make: () => new FileConnector({ storeDir }),
 *   });
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import type { Connector, ConnectorKey } from '../../src/connectors/connector.js';
import { isDeferrable } from '../../src/connectors/connector.js';
import { connectorFromConfig } from '../../src/connectors/kinds.js';
import '../../src/connectors/builtin-kinds.js';

export interface ContractOptions {
  /** Builds the connector under test (called once, in `before`). */
  make: () => Connector | Promise<Connector>;
  /** Stops what `make` needed (servers...), after the connector is closed. */
  teardown?: () => void | Promise<void>;
  /** Size of the "large" object. @defaultValue 8 MiB */
  largeBytes?: number;
  /** Whether a connector rebuilt from config() reads the same objects. @defaultValue true */
  rebuiltSharesData?: boolean;
  /** Per-test timeout in ms. @defaultValue 60_000 */
  timeoutMs?: number;
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function same(actual: Uint8Array | null, expected: Uint8Array): void {
  assert.ok(actual !== null, 'expected bytes, got null');
  assert.equal(actual.byteLength, expected.byteLength);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected));
}

export function describeConnectorContract(name: string, options: ContractOptions): void {
  const timeout = options.timeoutMs ?? 60_000;

  describe(`${name} (connector contract)`, { timeout: timeout * 20 }, () => {
    let c: Connector;

    before(async () => {
      c = await options.make();
    });

    after(async () => {
      await c?.close({ clear: true });
      await options.teardown?.();
    });

    it('put() then get() returns the same bytes', { timeout }, async () => {
      const data = bytes('hello contract');
      const key = await c.put(data);
      same(await c.get(key), data);
    });

    it('keys are JSON-safe and survive a JSON round trip', { timeout }, async () => {
      const data = bytes('json key');
      const key = await c.put(data);
      const again = JSON.parse(JSON.stringify(key)) as ConnectorKey;
      assert.deepEqual(again, key);
      same(await c.get(again), data);
    });

    it('exists() is true after put() and false after evict()', { timeout }, async () => {
      const key = await c.put(bytes('x'));
      assert.equal(await c.exists(key), true);
      await c.evict(key);
      assert.equal(await c.exists(key), false);
    });

    it('get() of an evicted key returns null', { timeout }, async () => {
      const key = await c.put(bytes('gone'));
      await c.evict(key);
      assert.equal(await c.get(key), null);
    });

    it('evict() of a missing key is a no-op, also twice', { timeout }, async () => {
      const key = await c.put(bytes('twice'));
      await c.evict(key);
      await c.evict(key);
      assert.equal(await c.exists(key), false);
    });

    it('stores an empty value (0 bytes) as a value, not a miss', { timeout }, async () => {
      const key = await c.put(new Uint8Array(0));
      assert.equal(await c.exists(key), true);
      const got = await c.get(key);
      assert.ok(got !== null);
      assert.equal(got.byteLength, 0);
    });

    it('round-trips a large random value byte for byte', { timeout }, async () => {
      const data = randomBytes(options.largeBytes ?? 8 * 1024 * 1024);
      const key = await c.put(data);
      same(await c.get(key), data);
      await c.evict(key);
    });

    it('putBatch() and getBatch() keep order', { timeout }, async () => {
      const items = [bytes('a'), bytes('bb'), new Uint8Array(0), randomBytes(3000)];
      const keys = await c.putBatch(items);
      assert.equal(keys.length, items.length);
      const got = await c.getBatch(keys);
      items.forEach((d, i) => same(got[i] ?? null, d));
    });

    it('getBatch() returns null in place of missing keys', { timeout }, async () => {
      const [k1, k2] = await c.putBatch([bytes('one'), bytes('two')]);
      assert.ok(k1 !== undefined && k2 !== undefined);
      await c.evict(k1);
      const got = await c.getBatch([k1, k2]);
      assert.equal(got[0], null);
      same(got[1] ?? null, bytes('two'));
    });

    it('empty batches return empty arrays', { timeout }, async () => {
      assert.deepEqual(await c.putBatch([]), []);
      assert.deepEqual(await c.getBatch([]), []);
    });

    it('config() is JSON-safe and rebuilds the same kind', { timeout }, async () => {
      const config = c.config();
      assert.equal(config.kind, c.kind);
      const copy = JSON.parse(JSON.stringify(config)) as typeof config;
      assert.deepEqual(copy, config);
      const rebuilt = await connectorFromConfig(copy);
      try {
        assert.equal(rebuilt.kind, c.kind);
        if (options.rebuiltSharesData ?? true) {
          const data = bytes('shared through config');
          const key = await c.put(data);
          same(await rebuilt.get(key), data);
          assert.equal(await rebuilt.exists(key), true);
        }
      } finally {
        await rebuilt.close({ clear: false });
      }
    });

    it('sync reads, where offered, agree with async ones', { timeout }, async () => {
      const data = bytes('sync read');
      const key = await c.put(data);
      if (c.getSync !== undefined) same(c.getSync(key), data);
      if (c.existsSync !== undefined) assert.equal(c.existsSync(key), true);
      await c.evict(key);
      if (c.getSync !== undefined) assert.equal(c.getSync(key), null);
      if (c.existsSync !== undefined) assert.equal(c.existsSync(key), false);
    });

    it('deferrable connectors: newKey() is empty until set()', { timeout }, async (t) => {
      if (!isDeferrable(c)) {
        t.skip(`${name} is not a DeferrableConnector`);
        return;
      }
      const key = await c.newKey();
      assert.equal(await c.exists(key), false);
      await c.set(key, bytes('first'));
      await c.set(key, bytes('second'));
      same(await c.get(key), bytes('second'));
    });

    it('close() is idempotent (runs last)', { timeout }, async () => {
      await c.close({ clear: true });
      await c.close({ clear: true });
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LocalConnector } from '../../src/connectors/local-connector.js';
import { InvalidArgumentError, LocalStore, reviveProxies } from '../../src/index.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';

describeConnectorContract('LocalConnector', { make: () => new LocalConnector() });

describe('LocalConnector', () => {
  it('shares objects between connectors on one backing map', async () => {
    const map = new Map<string, Uint8Array>();
    const a = new LocalConnector({ storeMap: map });
    const b = new LocalConnector({ storeMap: map });
    const key = await a.put(Buffer.from('shared'));
    assert.equal(Buffer.from((await b.get(key)) ?? []).toString(), 'shared');
    assert.equal(map.size, 1);
  });

  it('a connector rebuilt from config in this thread finds the same map', async () => {
    const a = new LocalConnector();
    const key = await a.put(Buffer.from('x'));
    const b = LocalConnector.fromConfig(JSON.parse(JSON.stringify(a.config().options)));
    assert.equal(b.existsSync(key), true);
  });

  it('rejects a storeMap that is not a Map', () => {
    assert.throws(() => new LocalConnector({ storeMap: {} as never }), InvalidArgumentError);
  });

  it('close({ clear: true }) empties the map; close() keeps it', async () => {
    const map = new Map<string, Uint8Array>();
    const c = new LocalConnector({ storeMap: map });
    await c.put(Buffer.from('a'));
    await c.close();
    assert.equal(map.size, 1);
    await c.close({ clear: true });
    assert.equal(map.size, 0);
  });

  it('LocalStore proxies resolve from a reference in the same thread, unregistered', async () => {
    const store = new LocalStore(`local-ref-${process.pid}`);
    const p = await store.proxy({ n: 5 }, { populateTarget: false });
    const back = JSON.parse(JSON.stringify(p), reviveProxies) as { n: number };
    assert.equal(back.n, 5);
  });
});

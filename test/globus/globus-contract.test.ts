import { after, before } from 'node:test';

import { GlobusConnector } from '../../src/globus/index.js';
import { describeConnectorContract } from '../helpers/connector-contract.js';
import { startMockSites } from '../helpers/globus-mock-sites.js';
import type { MockSites } from '../helpers/globus-mock-sites.js';

// The contract suite rebuilds the connector from its config, so the mock's
// URLs, the token home and this process's site go through the environment.
let sites: MockSites | undefined;

before(async () => {
  sites = await startMockSites(['site-a', 'site-b']);
  Object.assign(process.env, sites.env, { PROXYSTORE_GLOBUS_HOSTNAME: 'site-a' });
});

after(async () => {
  await sites?.cleanup();
});

describeConnectorContract('GlobusConnector', {
  make: () => {
    if (sites === undefined) throw new Error('mock sites did not start');
    return new GlobusConnector({
      endpoints: sites.endpoints,
      pollingInterval: 20,
      timeout: 20_000,
    });
  },
  timeoutMs: 30_000,
});

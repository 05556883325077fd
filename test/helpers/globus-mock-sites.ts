/**
 * Test fixture around the Globus MOCK: a temp dir with one directory per
 * "site" standing for its collection, the endpoints object for those sites,
 * and a ProxyStore home holding tokens obtained from the mock through the
 * real login code (PKCE + code exchange).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { GlobusEndpointsObject } from '../../src/globus/endpoints.js';
import { login } from '../../src/globus/login.js';
import { GlobusTokenStore } from '../../src/globus/token-store.js';
import type { GlobusTokenFile } from '../../src/globus/token-store.js';
import { GlobusMockServer } from './globus-mock-server.js';

/** Plays the user's browser: opens the authorize URL, returns the code. */
export async function mockBrowser(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) {
    throw new Error(`mock authorize answered ${res.status}: ${await res.text()}`);
  }
  return new URL(location).searchParams.get('code') ?? '';
}

/** Logs in to the mock with the real login flow; tokens go to `tokenFile`. */
export function loginToMock(
  mock: GlobusMockServer,
  tokenFile: string,
): Promise<GlobusTokenFile> {
  return login({
    authUrl: mock.authUrl,
    tokenStore: new GlobusTokenStore(tokenFile),
    prompt: mockBrowser,
  });
}

export interface MockSite {
  name: string;
  uuid: string;
  /** The site's collection root (what Globus would see as `/`). */
  collectionRoot: string;
  /** The store's directory at this site (`<root>/proxystore`). */
  localPath: string;
}

export interface MockSites {
  mock: GlobusMockServer;
  root: string;
  /** ProxyStore home (PROXYSTORE_HOME) with the token file in it. */
  home: string;
  tokenFile: string;
  sites: MockSite[];
  endpoints: GlobusEndpointsObject;
  /** Env for a process of this test: mock URLs and home (not the host). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * Starts a mock, makes one collection per site name (host pattern = the
 * name), and logs in. Call `cleanup()` in `after`.
 */
export async function startMockSites(names: readonly string[]): Promise<MockSites> {
  const root = await mkdtemp(join(tmpdir(), 'ps-globus-'));
  const mock = await GlobusMockServer.start();
  try {
    const home = join(root, 'home');
    const tokenFile = join(home, 'globus-tokens.json');
    const sites: MockSite[] = names.map((name) => ({
      name,
      uuid: randomUUID(),
      collectionRoot: join(root, name),
      localPath: join(root, name, 'proxystore'),
    }));

    const endpoints: GlobusEndpointsObject = {};
    for (const site of sites) {
      mock.transfer.addCollection(site.uuid, site.collectionRoot);
      endpoints[site.uuid] = {
        endpoint_path: '/proxystore',
        local_path: site.localPath,
        host_regex: site.name,
      };
    }
    await loginToMock(mock, tokenFile);

    return {
      mock,
      root,
      home,
      tokenFile,
      sites,
      endpoints,
      env: { ...mock.env(), PROXYSTORE_HOME: home },
      async cleanup() {
        await mock.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await mock.stop();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Runs one endpoint in this process: storage, optional peering, the HTTP
 * server and the pid file. The CLI's `start` runs this in a separate
 * (daemon) process, so that a client blocked in a synchronous resolve never
 * waits on its own thread.
 */
import { join } from 'node:path';

import { EndpointError } from '../errors.js';
import { logger } from '../utils/debug.js';
import { proxystoreHome } from '../utils/home.js';
import type { EndpointConfig } from './config.js';
import { endpointPaths } from './config-files.js';
import { SPILL_DIR } from './constants.js';
import { Endpoint } from './endpoint.js';
import { Forwarder } from './forwarding.js';
import { createPidFile, removePidFile } from './pid-file.js';
import { EndpointServer } from './server.js';
import { EndpointStorage } from './storage/endpoint-storage.js';

const log = logger('endpoint:serve');

/** A running endpoint. */
export interface RunningEndpoint {
  /** Address the server listens on. */
  host: string;
  port: number;
  /** Stops the server, peering and storage, and removes the pid file. */
  close(): Promise<void>;
}

/** Options of {@link runEndpoint}. */
export interface RunEndpointOptions {
  /** ProxyStore home holding the endpoint's folder. */
  home?: string | undefined;
  /** Write the pid file (as `start` does). @defaultValue `true` */
  pidFile?: boolean | undefined;
}

interface PeerHandle {
  forwarder: Forwarder;
  /** Registers with the relay (after the endpoint answers peer requests). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts an endpoint from its config.
 *
 * @throws {@link EndpointError} when the port is taken, the endpoint runs
 * already (its pid file exists), or the relay cannot be reached.
 */
export async function runEndpoint(
  config: EndpointConfig,
  options: RunEndpointOptions = {},
): Promise<RunningEndpoint> {
  const paths = endpointPaths(config.name, options.home ?? proxystoreHome());
  const storage = new EndpointStorage({
    memoryLimit: config.storage.memoryLimit,
    databasePath: config.storage.databasePath,
    spillDir: join(paths.dir, SPILL_DIR),
  });
  const cleanups: (() => Promise<void>)[] = [() => storage.close()];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      await step().catch((err: unknown) => log('cleanup failed: %O', err));
    }
  };

  try {
    await storage.open();

    const peers = await makePeering(config);
    if (peers !== undefined) cleanups.push(() => peers.close());

    const endpoint = new Endpoint({
      uuid: config.uuid,
      name: config.name,
      storage,
      maxObjectSize: config.storage.maxObjectSize,
      forwarder: peers?.forwarder,
    });
    await peers?.start();

    const server = new EndpointServer({
      endpoint,
      host: config.host,
      port: config.port,
      token: config.token,
    });
    const address = await listen(server, config);
    cleanups.push(() => server.close());

    if (options.pidFile ?? true) {
      await claimPidFile(paths.pid, config, address.port);
      cleanups.push(() => removePidFile(paths.pid, process.pid));
    }

    log('endpoint %s (%s) serves on %s:%d', config.name, config.uuid,
      config.host, address.port);
    let closing: Promise<void> | undefined;
    return {
      host: config.host,
      port: address.port,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function listen(
  server: EndpointServer,
  config: EndpointConfig,
): Promise<{ port: number }> {
  try {
    return await server.listen();
  } catch (err) {
    throw new EndpointError(
      `Endpoint '${config.name}' cannot listen on ${config.host}:` +
        `${config.port}: ${(err as Error).message}. Choose another port ` +
        "(edit port in its config.toml, or 0 for any free port).",
      { endpoint: config.name, cause: err },
    );
  }
}

async function claimPidFile(
  path: string,
  config: EndpointConfig,
  port: number,
): Promise<void> {
  try {
    await createPidFile(path, { pid: process.pid, host: config.host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new EndpointError(
      `Endpoint '${config.name}' is already running (its pid file ${path} ` +
        "exists). Stop it with 'proxystore-endpoint stop " +
        `${config.name}' first.`,
      { endpoint: config.name, cause: err },
    );
  }
}

/** Builds the peer manager when a relay is configured (not started yet). */
async function makePeering(
  config: EndpointConfig,
): Promise<PeerHandle | undefined> {
  const relay = config.relay;
  if (relay === undefined) return undefined;

  const { PeerManager } = await import('./peering/peer-manager.js');
  const bind =
    config.host === '0.0.0.0' || config.host === '::' ? undefined : config.host;
  const manager = new PeerManager({
    endpointId: config.uuid,
    relayAddress: relay.address,
    ...(relay.token === undefined ? {} : { relayToken: relay.token }),
    ...(bind === undefined ? {} : { bindAddress: bind }),
  });

  const start = async (): Promise<void> => {
    try {
      await manager.start();
    } catch (err) {
      throw new EndpointError(
        `Endpoint '${config.name}' cannot register with the relay at ` +
          `${relay.address}: ${(err as Error).message}. Check that the ` +
          'relay runs and that the relay token is right.',
        { endpoint: config.name, cause: err },
      );
    }
    log('endpoint %s registered with the relay at %s', config.name,
      relay.address);
  };

  return {
    forwarder: new Forwarder(manager),
    start,
    close: () => manager.close(),
  };
}

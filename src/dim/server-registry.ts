import { logger } from '../utils/debug.js';
import type { DimKind } from './dim-key.js';
import { formatAddress } from './dim-key.js';

const log = logger('dim:registry');

/**
 * A DIM storage server as the connectors of this thread see it: either one
 * this process started (`owned`, running off this thread) or another
 * process's server found answering at the requested address.
 */
export interface DimServerHandle {
  readonly kind: DimKind;
  /** Host the server listens on (as peers should dial it). */
  readonly host: string;
  /** Port the server listens on (the bound port when 0 was asked for). */
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** Whether this process started the server (and will stop it). */
  readonly owned: boolean;
  /** Stops the server; a handle that does not own its server does nothing. */
  stop(): Promise<void>;
}

/** How {@link acquireServer} finds or starts the server of one address. */
export interface DimServerSpec<H extends DimServerHandle> {
  readonly kind: DimKind;
  readonly host: string;
  /** Port asked for; 0 starts a server on a free port (never reuses). */
  readonly port: number;
  /**
   * Whether some server already answers a ping at `host:port`
   * (never called for port 0). Must settle within the connector's timeout.
   */
  ping(host: string, port: number): Promise<boolean>;
  /** Handle for another process's server that answered the ping. */
  attach(host: string, port: number): H;
  /** Starts a server in this process; resolves once it listens. */
  start(): Promise<H>;
}

/** A connector's share of a server; release it on close. */
export interface DimServerLease<H extends DimServerHandle> {
  readonly server: H;
  /** Gives the share back; the last release stops an owned server. */
  release(): Promise<void>;
}

interface Entry {
  readonly key: string;
  readonly server: Promise<DimServerHandle>;
  refs: number;
  bound: string | undefined;
}

/** Servers of this thread by `kind|host|requestedPort`. */
const entries = new Map<string, Entry>();
/** The same servers by `kind|address` of the bound socket. */
const byAddress = new Map<string, DimServerHandle>();

/**
 * Finds or starts the one server of this process for an address: a server
 * this thread already started is shared; otherwise a server that answers a
 * ping at the address is reused; otherwise a new one starts. Concurrent
 * calls for one address share one start.
 */
export async function acquireServer<H extends DimServerHandle>(
  spec: DimServerSpec<H>,
): Promise<DimServerLease<H>> {
  const key = `${spec.kind}|${spec.host}|${spec.port}`;
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = { key, server: findOrStart(spec), refs: 0, bound: undefined };
    entries.set(key, entry);
    entry.server.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
  }
  entry.refs++;

  let server: H;
  try {
    server = (await entry.server) as H;
  } catch (err) {
    entry.refs--;
    throw err;
  }
  const addressKey = `${server.kind}|${server.address}`;
  entry.bound = addressKey;
  byAddress.set(addressKey, server);
  return { server, release: once(() => release(entry)) };
}

/**
 * The server this thread started or attached for an address, if any: the
 * connectors use it to serve their own keys without a network round trip.
 */
export function localServer(
  kind: DimKind,
  host: string,
  port: number,
): DimServerHandle | undefined {
  return byAddress.get(`${kind}|${formatAddress(host, port)}`);
}

/** Number of live servers this thread started or attached (for tests). */
export function serverCount(): number {
  return entries.size;
}

async function findOrStart<H extends DimServerHandle>(
  spec: DimServerSpec<H>,
): Promise<H> {
  const address = formatAddress(spec.host, spec.port);
  if (spec.port !== 0 && (await spec.ping(spec.host, spec.port))) {
    log('reusing the %s server answering at %s', spec.kind, address);
    return spec.attach(spec.host, spec.port);
  }

  try {
    const server = await spec.start();
    log('started a %s server at %s', spec.kind, server.address);
    return server;
  } catch (err) {
    // Another process may have bound the port between our ping and start.
    const inUse = (err as { code?: unknown } | null)?.code === 'EADDRINUSE';
    if (inUse && spec.port !== 0 && (await spec.ping(spec.host, spec.port))) {
      log('reusing the %s server that won the race at %s', spec.kind, address);
      return spec.attach(spec.host, spec.port);
    }
    throw err;
  }
}

async function release(entry: Entry): Promise<void> {
  entry.refs--;
  if (entry.refs > 0) return;

  if (entries.get(entry.key) === entry) entries.delete(entry.key);
  if (entry.bound !== undefined) byAddress.delete(entry.bound);
  const server = await entry.server;
  await server.stop();
  log('released the %s server at %s', server.kind, server.address);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

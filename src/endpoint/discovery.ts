/**
 * Finds the running local endpoint that a connector talks to: the first of
 * the listed endpoint ids that has a configuration in this machine's
 * ProxyStore home and answers `GET /endpoint` with that same id.
 */
import { EndpointConnectorError } from '../errors.js';
import { connectHost } from './config.js';
import {
  endpointPaths,
  endpointsDir,
  listEndpointConfigs,
} from './config-files.js';
import { EndpointClient } from './client.js';
import { readPidFile } from './pid-file.js';

/** How long one probe of a candidate endpoint may take. */
const PROBE_TIMEOUT_MS = 2_000;

/** A running endpoint found by {@link findLocalEndpoint}. */
export interface LocalEndpoint {
  uuid: string;
  name: string;
  host: string;
  port: number;
  token?: string | undefined;
}

/**
 * Finds the first of `endpoints` that runs on this machine.
 *
 * @param endpoints - endpoint ids, in order of preference.
 * @param home - the ProxyStore home whose `endpoints/` folder is searched.
 * @throws {@link EndpointConnectorError} listing why each candidate failed.
 */
export async function findLocalEndpoint(
  endpoints: readonly string[],
  home: string,
): Promise<LocalEndpoint> {
  const entries = await listEndpointConfigs(home);
  const reasons: string[] = [];

  for (const uuid of endpoints) {
    const entry = entries.find((e) => e.config?.uuid === uuid);
    if (entry?.config === undefined) continue;

    const config = entry.config;
    const pid = await readPidFile(endpointPaths(config.name, home).pid);
    const port = pid?.port ?? config.port;
    if (port === 0) {
      reasons.push(`'${config.name}' is not running (no pid file)`);
      continue;
    }

    const found: LocalEndpoint = {
      uuid,
      name: config.name,
      host: connectHost(pid?.host ?? config.host),
      port,
      token: config.token,
    };
    const why = await probe(found);
    if (why === undefined) return found;
    reasons.push(`'${config.name}' at ${found.host}:${port} ${why}`);
  }

  const detail = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  throw new EndpointConnectorError(
    `Failed to find a running endpoint among [${endpoints.join(', ')}] ` +
      `configured in ${endpointsDir(home)}${detail}. Start one with ` +
      "'proxystore-endpoint start NAME', or list the id of an endpoint " +
      'configured on this machine.',
  );
}

/** Undefined when the endpoint answers with its id; otherwise why not. */
async function probe(target: LocalEndpoint): Promise<string | undefined> {
  const client = new EndpointClient({
    host: target.host,
    port: target.port,
    token: target.token,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  try {
    const { uuid } = await client.identity();
    if (uuid === target.uuid) return undefined;
    return `answers with another id (${uuid})`;
  } catch (err) {
    return `does not answer: ${(err as Error).message}`;
  } finally {
    client.close();
  }
}

/**
 * An endpoint's configuration: the typed object, its validation, and its
 * TOML form (`config.toml`, one per endpoint; see `config-files.ts`).
 *
 * The TOML layout follows upstream ProxyStore's `config.toml` (top-level
 * `name`, `uuid`, `host`, `port`; `[relay]`; `[storage]`), with snake_case
 * keys, so a user of either library can read it.
 */
import { isIP } from 'node:net';

import * as toml from 'smol-toml';

import { EndpointError } from '../errors.js';
import { isObjectId } from '../utils/uuid.js';
import {
  DEFAULT_HOST,
  DEFAULT_MAX_OBJECT_SIZE,
  DEFAULT_MEMORY_LIMIT,
} from './constants.js';

/** Relay settings; present only when the endpoint peers with others. */
export interface EndpointRelayConfig {
  /** Relay server address; starts with `ws://` or `wss://`. */
  address: string;
  /** Token the relay requires, if any. */
  token?: string | undefined;
}

/** Storage settings. */
export interface EndpointStorageConfig {
  /** Largest object the endpoint accepts, in bytes. */
  maxObjectSize: number;
  /** Bytes held in memory before the oldest objects spill to disk. */
  memoryLimit: number;
  /**
   * Folder of the on-disk database. When set, every object is written there
   * and survives a restart; when absent, objects live in memory (spilling to
   * a scratch folder that is wiped on start and stop).
   */
  databasePath?: string | undefined;
}

/** Everything an endpoint needs to start. */
export interface EndpointConfig {
  /** Name: letters, digits, `_` and `-`. */
  name: string;
  /** The endpoint's id, a UUID; keys carry it as `endpointId`. */
  uuid: string;
  /** Address the server listens on. @defaultValue `'127.0.0.1'` */
  host: string;
  /** Port the server listens on; 0 picks a free port at each start. */
  port: number;
  /** Access token clients must send (`Authorization: Bearer <token>`). */
  token?: string | undefined;
  relay?: EndpointRelayConfig | undefined;
  storage: EndpointStorageConfig;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `name` is a valid endpoint name. */
export function isValidEndpointName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Throws {@link EndpointError} naming the endpoint and the bad field. */
function bad(name: string, field: string, value: unknown, what: string): never {
  throw new EndpointError(
    `Endpoint '${name}' has an invalid ${field} (${JSON.stringify(value)}): ` +
      `${what}. Fix it with 'proxystore-endpoint configure' or edit its ` +
      'config.toml.',
    { endpoint: name },
  );
}

/**
 * Checks every field of a config and returns it with defaults filled in.
 *
 * @throws {@link EndpointError} naming the endpoint and the field.
 */
export function validateEndpointConfig(config: EndpointConfig): EndpointConfig {
  const name = config.name;
  if (typeof name !== 'string' || !isValidEndpointName(name)) {
    throw new EndpointError(
      `Invalid endpoint name ${JSON.stringify(name)}: use 1 to 64 letters, ` +
        'digits, underscores or dashes.',
      { endpoint: String(name) },
    );
  }

  if (!isObjectId(config.uuid)) {
    bad(name, 'uuid', config.uuid, 'it must be a lowercase UUID');
  }

  const host = config.host;
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host)) {
    bad(name, 'host', host, 'it must be an IP address or a host name');
  }

  const port = config.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    bad(name, 'port', port, 'it must be an integer from 0 to 65535');
  }

  if (config.token !== undefined && !isToken(config.token)) {
    bad(name, 'token', '<hidden>', 'a token is 8 to 512 visible characters');
  }

  const relay = config.relay;
  if (relay !== undefined) {
    if (!/^wss?:\/\/[^\s]+$/.test(relay.address)) {
      bad(name, 'relay address', relay.address, 'use ws:// or wss://');
    }
    if (relay.token !== undefined && !isToken(relay.token)) {
      bad(name, 'relay token', '<hidden>', 'use 8 to 512 visible characters');
    }
  }

  const storage = config.storage;
  if (!isPositiveInteger(storage.maxObjectSize)) {
    const size = storage.maxObjectSize;
    bad(name, 'max_object_size', size, 'use a positive integer');
  }
  if (!isPositiveInteger(storage.memoryLimit)) {
    bad(name, 'memory_limit', storage.memoryLimit, 'use a positive integer');
  }
  const db = storage.databasePath;
  if (db !== undefined && (typeof db !== 'string' || db === '')) {
    bad(name, 'database_path', db, 'use a folder path');
  }

  return config;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isToken(value: unknown): boolean {
  return typeof value === 'string' && /^[\x21-\x7e]{8,512}$/.test(value);
}

/** Whether a listen address is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The address a local client uses for an endpoint listening on `host`. */
export function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** Fields of {@link makeEndpointConfig}; absent ones take defaults. */
export interface EndpointConfigFields {
  name: string;
  uuid: string;
  port: number;
  host?: string | undefined;
  token?: string | undefined;
  relay?: EndpointRelayConfig | undefined;
  storage?:
    | {
        maxObjectSize?: number | undefined;
        memoryLimit?: number | undefined;
        databasePath?: string | undefined;
      }
    | undefined;
}

/**
 * Builds a validated config with defaults for the fields not given.
 *
 * @throws {@link EndpointError} naming the endpoint and a bad field.
 */
export function makeEndpointConfig(
  fields: EndpointConfigFields,
): EndpointConfig {
  const config: EndpointConfig = {
    name: fields.name,
    uuid: fields.uuid,
    host: fields.host ?? DEFAULT_HOST,
    port: fields.port,
    storage: {
      maxObjectSize: fields.storage?.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE,
      memoryLimit: fields.storage?.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    },
  };
  if (fields.token !== undefined) config.token = fields.token;
  if (fields.relay !== undefined) {
    config.relay = { address: fields.relay.address };
    if (fields.relay.token !== undefined) {
      config.relay.token = fields.relay.token;
    }
  }
  if (fields.storage?.databasePath !== undefined) {
    config.storage.databasePath = fields.storage.databasePath;
  }
  return validateEndpointConfig(config);
}

/** The TOML text of a config (absent optional fields are left out). */
export function configToToml(config: EndpointConfig): string {
  const doc: Record<string, unknown> = {
    name: config.name,
    uuid: config.uuid,
    host: config.host,
    port: config.port,
  };
  if (config.token !== undefined) doc['token'] = config.token;

  if (config.relay !== undefined) {
    const relay: Record<string, unknown> = { address: config.relay.address };
    if (config.relay.token !== undefined) relay['token'] = config.relay.token;
    doc['relay'] = relay;
  }

  const storage: Record<string, unknown> = {
    max_object_size: config.storage.maxObjectSize,
    memory_limit: config.storage.memoryLimit,
  };
  if (config.storage.databasePath !== undefined) {
    storage['database_path'] = config.storage.databasePath;
  }
  doc['storage'] = storage;

  return `${toml.stringify(doc)}\n`;
}

/**
 * Parses and validates TOML text into a config.
 *
 * @param text - the file's text.
 * @param where - file path, for error messages.
 * @throws {@link EndpointError} when the text is not TOML or a field is bad.
 */
export function configFromToml(text: string, where: string): EndpointConfig {
  let doc: Record<string, unknown>;
  try {
    doc = toml.parse(text, { unsafeKeyBehaviour: 'throw' });
  } catch (err) {
    throw new EndpointError(
      `The endpoint config ${where} is not valid TOML: ${String(err)}`,
      { cause: err },
    );
  }

  const relayDoc = table(doc['relay']);
  const storageDoc = table(doc['storage']) ?? {};
  const config: EndpointConfig = {
    name: doc['name'] as string,
    uuid: doc['uuid'] as string,
    host: (doc['host'] as string | undefined) ?? DEFAULT_HOST,
    port: doc['port'] as number,
    storage: {
      maxObjectSize:
        (storageDoc['max_object_size'] as number | undefined) ??
        DEFAULT_MAX_OBJECT_SIZE,
      memoryLimit:
        (storageDoc['memory_limit'] as number | undefined) ??
        DEFAULT_MEMORY_LIMIT,
    },
  };
  if (doc['token'] !== undefined) config.token = doc['token'] as string;
  if (relayDoc?.['address'] !== undefined) {
    config.relay = { address: relayDoc['address'] as string };
    if (relayDoc['token'] !== undefined) {
      config.relay.token = relayDoc['token'] as string;
    }
  }
  if (storageDoc['database_path'] !== undefined) {
    config.storage.databasePath = storageDoc['database_path'] as string;
  }

  return validateEndpointConfig(config);
}

function table(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  return value as Record<string, unknown>;
}

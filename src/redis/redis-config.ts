import { InvalidArgumentError } from '../errors.js';
import type { JsonObject, JsonValue } from '../utils/json.js';
import { rejectUnknownOptions } from '../utils/options.js';

/** A JSON-safe subset of `tls.ConnectionOptions` (PEM text, not files). */
export interface RedisTlsOptions {
  /** CA certificates (PEM) to trust instead of the system store. */
  ca?: string | string[] | undefined;
  /** Client certificate (PEM), for mutual TLS. */
  cert?: string | undefined;
  /** Client private key (PEM), for mutual TLS. */
  key?: string | undefined;
  /** Server name for SNI and certificate checks. */
  servername?: string | undefined;
  /** Reject servers whose certificate does not verify. @defaultValue true */
  rejectUnauthorized?: boolean | undefined;
  /** Lowest TLS version to accept, for example `'TLSv1.2'`. */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
}

/** One seed node of a Redis Cluster. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Options of {@link RedisConnector} (and of `RedisStore`). */
export interface RedisConnectorOptions {
  /** Server host name. @defaultValue '127.0.0.1' (or the host in `url`) */
  hostname?: string | undefined;
  /** Server port. @defaultValue 6379 (or the port in `url`) */
  port?: number | undefined;
  /**
   * `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS).
   * Fields given explicitly (`hostname`, `password`, ...) win over the URL's.
   */
  url?: string | undefined;
  /** ACL user name. */
  username?: string | undefined;
  /**
   * Password (AUTH). It is part of `config()`, so it travels inside every
   * proxy reference of the store; prefer {@link RedisConnectorOptions.passwordEnv}.
   */
  password?: string | undefined;
  /**
   * Name of an environment variable that holds the password. Each process
   * that builds the connector (producers, consumers, the bridge worker) reads
   * it from its own environment, so configs and proxy references carry only
   * the variable's name, never the secret. `password` wins when both are set.
   */
  passwordEnv?: string | undefined;
  /** Connect with TLS: `true`, or TLS options. @defaultValue false */
  tls?: boolean | RedisTlsOptions | undefined;
  /** Logical database (standalone only). @defaultValue 0 */
  db?: number | undefined;
  /**
   * Prefix of every key name. The default, `''`, stores objects under their
   * bare uuid, so Python ProxyStore can read them and vice versa.
   * @defaultValue ''
   */
  keyPrefix?: string | undefined;
  /** Connect to a Redis Cluster through these seed nodes instead. */
  cluster?: { nodes: RedisNodeAddress[] } | undefined;
  /** Delete the keys this connector wrote when it closes. @defaultValue false */
  clear?: boolean | undefined;
  /** Give up one connection attempt after this long. @defaultValue 10000 */
  connectTimeoutMs?: number | undefined;
  /** Fail a command the server has not answered after this long. @defaultValue 60000 */
  commandTimeoutMs?: number | undefined;
}

/** Options after defaults and the URL are merged in; frozen. */
export interface ResolvedRedisOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: RedisTlsOptions | undefined;
  readonly db: number;
  readonly keyPrefix: string;
  readonly nodes: readonly RedisNodeAddress[] | undefined;
  readonly clear: boolean;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

export const DEFAULT_REDIS_HOST = '127.0.0.1';
export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** Merges defaults, the URL and explicit options, and validates the result. */
export function resolveRedisOptions(
  options: RedisConnectorOptions,
): ResolvedRedisOptions {
  const fromUrl = options.url === undefined ? {} : parseRedisUrl(options.url);
  const tls = options.tls ?? fromUrl.tls ?? false;
  const nodes = options.cluster?.nodes.map((n) => ({ host: n.host, port: n.port }));

  const resolved: ResolvedRedisOptions = {
    host: options.hostname ?? fromUrl.host ?? DEFAULT_REDIS_HOST,
    port: options.port ?? fromUrl.port ?? DEFAULT_REDIS_PORT,
    username: options.username ?? fromUrl.username,
    password: options.password ?? passwordFromEnv(options.passwordEnv) ?? fromUrl.password,
    tls: tls === false ? undefined : tls === true ? {} : { ...tls },
    db: options.db ?? fromUrl.db ?? 0,
    keyPrefix: options.keyPrefix ?? '',
    nodes,
    clear: options.clear ?? false,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };

  validate(resolved);
  return Object.freeze(resolved);
}

function passwordFromEnv(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw InvalidArgumentError.format(
      'passwordEnv',
      name,
      `the environment variable ${name} is not set in this process; set it ` +
        'wherever the store or its proxies are used',
    );
  }
  return value;
}

interface UrlParts {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: boolean;
}

function parseRedisUrl(url: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw InvalidArgumentError.format(
      'url',
      redactUrl(url),
      'expected redis://host:port or rediss://host:port',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw InvalidArgumentError.format(
      'url',
      redactUrl(url),
      'the scheme must be redis:// or rediss:// (TLS)',
    );
  }

  const parts: UrlParts = { tls: parsed.protocol === 'rediss:' };
  if (parsed.hostname !== '') parts.host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (parsed.port !== '') parts.port = Number(parsed.port);
  if (parsed.username !== '') parts.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') parts.password = decodeURIComponent(parsed.password);

  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') parts.db = Number(db);
  return parts;
}

/** A URL with its password replaced, safe for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function validate(o: ResolvedRedisOptions): void {
  if (o.host === '') {
    throw InvalidArgumentError.format('hostname', o.host, 'give a host name or IP');
  }
  checkPort('port', o.port);
  if (!Number.isInteger(o.db) || o.db < 0) {
    throw InvalidArgumentError.format('db', o.db, 'a database is an integer >= 0');
  }
  checkPositive('connectTimeoutMs', o.connectTimeoutMs);
  checkPositive('commandTimeoutMs', o.commandTimeoutMs);

  if (o.nodes === undefined) return;
  if (o.nodes.length === 0) {
    throw InvalidArgumentError.format(
      'cluster.nodes',
      [],
      'list at least one seed node as { host, port }',
    );
  }
  for (const node of o.nodes) {
    if (typeof node.host !== 'string' || node.host === '') {
      throw InvalidArgumentError.format('cluster.nodes[].host', node.host, 'give a host');
    }
    checkPort('cluster.nodes[].port', node.port);
  }
  if (o.db !== 0) {
    throw InvalidArgumentError.format(
      'db',
      o.db,
      'a Redis Cluster only has database 0; remove db or cluster',
    );
  }
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw InvalidArgumentError.format(name, port, 'a port is an integer in 1..65535');
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw InvalidArgumentError.format(name, value, 'use a positive number of milliseconds');
  }
}

/** The options as JSON, for `config()`: only what the user set. */
export function optionsToJson(options: RedisConnectorOptions): JsonObject {
  const json: JsonObject = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) json[name] = toJson(name, value);
  }
  return json;
}

function toJson(name: string, value: unknown): JsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw InvalidArgumentError.format(name, value, 'options must be JSON-safe');
  }
  return JSON.parse(text) as JsonValue;
}

const STRING_FIELDS = [
  'hostname',
  'url',
  'username',
  'password',
  'passwordEnv',
  'keyPrefix',
] as const;
const NUMBER_FIELDS = ['port', 'db', 'connectTimeoutMs', 'commandTimeoutMs'] as const;

/**
 * Reads connector options from JSON (a config from another process):
 * each known field is type-checked, and an unknown field is an error.
 */
export function optionsFromJson(json: JsonObject): RedisConnectorOptions {
  // A field this version does not know (a forged or newer config) must not
  // quietly fall back to defaults such as 127.0.0.1:6379.
  rejectUnknownOptions(
    json,
    [...STRING_FIELDS, ...NUMBER_FIELDS, 'clear', 'tls', 'cluster'],
    'a redis connector config',
  );
  const options: RedisConnectorOptions = {};

  for (const name of STRING_FIELDS) {
    const value = json[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw wrongType(name, value, 'a string');
    options[name] = value;
  }
  for (const name of NUMBER_FIELDS) {
    const value = json[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number') throw wrongType(name, value, 'a number');
    options[name] = value;
  }

  const clear = json['clear'];
  if (typeof clear === 'boolean') options.clear = clear;

  const tls = json['tls'];
  if (typeof tls === 'boolean') options.tls = tls;
  else if (isObject(tls)) options.tls = tls as RedisTlsOptions;

  const cluster = json['cluster'];
  if (isObject(cluster)) {
    const nodes = cluster['nodes'];
    if (!Array.isArray(nodes)) throw wrongType('cluster.nodes', nodes, 'an array');
    options.cluster = { nodes: nodes as unknown as RedisNodeAddress[] };
  }
  return options;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wrongType(name: string, value: unknown, expected: string): InvalidArgumentError {
  return InvalidArgumentError.format(name, value, `expected ${expected} in the config`);
}

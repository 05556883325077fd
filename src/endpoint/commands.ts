/**
 * The `proxystore-endpoint` commands. Each returns an exit code (0 success,
 * 1 failure) and writes through an {@link CommandIO}, so the CLI owns the
 * console and tests can capture the output.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { EndpointError } from '../errors.js';
import {
  connectHost,
  isLoopbackHost,
  makeEndpointConfig,
  type EndpointConfig,
} from './config.js';
import {
  endpointPaths,
  listEndpointConfigs,
  removeEndpointDir,
  writeEndpointConfig,
} from './config-files.js';
import { DATABASE_DIR, PORT_RANGE } from './constants.js';
import { spawnDaemon, stopDaemon } from './daemon.js';
import { removePidFile } from './pid-file.js';
import { runEndpoint } from './serve.js';
import { endpointState } from './status.js';

/** Where commands write their output. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

/** Options of {@link configureCommand}. */
export interface ConfigureOptions {
  host?: string | undefined;
  port?: number | undefined;
  token?: string | undefined;
  relayAddress?: string | undefined;
  relayToken?: string | undefined;
  maxObjectSize?: number | undefined;
  memoryLimit?: number | undefined;
  /** Folder of the on-disk database (made absolute). */
  databasePath?: string | undefined;
  /** Keep objects on disk in the endpoint's own `blobs/` folder. */
  persist?: boolean | undefined;
}

/** Runs a command body, turning an {@link EndpointError} into exit code 1. */
async function run(
  io: CommandIO,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err;
    io.err(`Error: ${err.message}`);
    return 1;
  }
}

/** `configure NAME`: writes a new endpoint's config. */
export function configureCommand(
  name: string,
  options: ConfigureOptions,
  home: string,
  io: CommandIO,
): Promise<number> {
  return run(io, async () => {
    const paths = endpointPaths(name, home);
    if (await exists(paths.dir)) {
      throw new EndpointError(
        `Endpoint '${name}' exists already (${paths.dir}). Remove it with ` +
          `'proxystore-endpoint remove ${name}' or choose another name.`,
        { endpoint: name },
      );
    }

    const databasePath =
      options.databasePath !== undefined
        ? resolve(options.databasePath)
        : options.persist === true
          ? join(paths.dir, DATABASE_DIR)
          : undefined;
    const config = makeEndpointConfig({
      name,
      uuid: randomUUID(),
      host: options.host,
      port: options.port ?? randomInt(PORT_RANGE.min, PORT_RANGE.max + 1),
      token: options.token,
      relay:
        options.relayAddress === undefined
          ? undefined
          : { address: options.relayAddress, token: options.relayToken },
      storage: {
        maxObjectSize: options.maxObjectSize,
        memoryLimit: options.memoryLimit,
        databasePath,
      },
    });
    await writeEndpointConfig(config, home);

    io.out(`Configured endpoint ${name} <${config.uuid}>.`);
    io.out(`Config: ${paths.config}`);
    io.out(`Start it with: proxystore-endpoint start ${name}`);
    if (config.token === undefined && !isLoopbackHost(config.host)) {
      io.err(
        `Warning: endpoint '${name}' will listen on ${config.host} without ` +
          'an access token; anyone who can reach it can read its objects.',
      );
    }
    return 0;
  });
}

/** `list`: a table of every endpoint with its id, address and status. */
export function listCommand(home: string, io: CommandIO): Promise<number> {
  return run(io, async () => {
    const entries = await listEndpointConfigs(home);
    if (entries.length === 0) {
      io.out(`No endpoints are configured in ${home}.`);
      return 0;
    }

    const rows = [['NAME', 'STATUS', 'UUID', 'ADDRESS']];
    for (const entry of entries) {
      if (entry.config === undefined) {
        rows.push([entry.name, 'UNKNOWN', '-', '-']);
        continue;
      }
      const state = await endpointState(entry.name, home);
      rows.push([
        entry.name,
        state.status.toUpperCase(),
        entry.config.uuid,
        addressOf(entry.config, state.pid?.port),
      ]);
    }
    io.out(formatTable(rows));
    return 0;
  });
}

function addressOf(config: EndpointConfig, livePort?: number): string {
  const host = connectHost(config.host);
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${livePort ?? config.port}`;
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) =>
    Math.max(...rows.map((row) => (row[i] ?? '').length)),
  ) ?? [];
  return rows
    .map((row) =>
      row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd(),
    )
    .join('\n');
}

/** Options of {@link startCommand}. */
export interface StartOptions {
  /** Serve in this process until SIGTERM/SIGINT instead of daemonizing. */
  foreground?: boolean | undefined;
  /** Path of the CLI script, which the daemon runs again. */
  cliPath: string;
}

/** `start NAME`: starts the endpoint as a daemon, or in the foreground. */
export function startCommand(
  name: string,
  options: StartOptions,
  home: string,
  io: CommandIO,
): Promise<number> {
  return run(io, async () => {
    const state = await endpointState(name, home);
    if (state.status === 'unknown') throw state.error as EndpointError;
    if (state.status === 'running') {
      throw new EndpointError(
        `Endpoint '${name}' is already running (pid ${state.pid?.pid}). ` +
          `Stop it first with 'proxystore-endpoint stop ${name}'.`,
        { endpoint: name },
      );
    }
    if (state.status === 'hanging') {
      io.err(`Removing the stale pid file of endpoint '${name}'.`);
      await removePidFile(endpointPaths(name, home).pid);
    }

    if (options.foreground === true) {
      return serveForeground(state.config as EndpointConfig, home, io);
    }

    const pid = await spawnDaemon(name, { cliPath: options.cliPath, home });
    const log = endpointPaths(name, home).log;
    io.out(`Started endpoint ${name} (pid ${pid}); log: ${log}`);
    return 0;
  });
}

async function serveForeground(
  config: EndpointConfig,
  home: string,
  io: CommandIO,
): Promise<number> {
  const running = await runEndpoint(config, { home });
  io.out(
    `${new Date().toISOString()} Endpoint ${config.name} <${config.uuid}> ` +
      `serving on ${config.host}:${running.port} (pid ${process.pid})`,
  );

  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  io.out(`${new Date().toISOString()} Received ${signal}; stopping.`);
  await running.close();
  io.out(`${new Date().toISOString()} Endpoint ${config.name} stopped.`);
  return 0;
}

/** `stop NAME`: stops a running endpoint; a stopped one is fine. */
export function stopCommand(
  name: string,
  home: string,
  io: CommandIO,
): Promise<number> {
  return run(io, async () => {
    const outcome = await stopDaemon(name, home);
    const text: Record<typeof outcome, string> = {
      stopped: `Stopped endpoint ${name}.`,
      killed: `Endpoint ${name} ignored SIGTERM and was killed.`,
      'not-running': `Endpoint ${name} is not running.`,
      'stale-pid-file':
        `Endpoint ${name} was not running; removed its stale pid file.`,
    };
    io.out(text[outcome]);
    return 0;
  });
}

/** `remove NAME`: deletes a stopped endpoint's folder. */
export function removeCommand(
  name: string,
  home: string,
  io: CommandIO,
): Promise<number> {
  return run(io, async () => {
    const paths = endpointPaths(name, home);
    if (!(await exists(paths.dir))) {
      throw new EndpointError(
        `No endpoint named '${name}' is configured in ${home}; ` +
          "'proxystore-endpoint list' shows the configured ones.",
        { endpoint: name },
      );
    }

    const state = await endpointState(name, home);
    if (state.status === 'running') {
      throw new EndpointError(
        `Endpoint '${name}' is running; stop it first with ` +
          `'proxystore-endpoint stop ${name}'.`,
        { endpoint: name },
      );
    }

    await removeEndpointDir(name, home);
    io.out(`Removed endpoint ${name}.`);
    return 0;
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

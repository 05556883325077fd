#!/usr/bin/env node
/**
 * `proxystore-endpoint`: configure, list, start, stop and remove endpoints.
 * Configurations live under the ProxyStore home (`PROXYSTORE_HOME`, or the
 * platform's user data directory), one `endpoints/<name>/config.toml` each.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  configureCommand,
  listCommand,
  removeCommand,
  startCommand,
  stopCommand,
  type CommandIO,
} from '../endpoint/commands.js';
import { proxystoreHome } from '../utils/home.js';
import { isMainModule, isParseArgsError } from './cli-support.js';

const USAGE = `Usage: proxystore-endpoint <command> [options]

Commands:
  configure NAME   Create an endpoint configuration
      --host ADDR             listen address (default 127.0.0.1)
      --port N                port; 0 = any free port at each start
                              (default: random in 10240-20480)
      --token TOKEN           access token clients must send
      --relay-address URL     relay server (ws:// or wss://) for peering
      --relay-token TOKEN     token the relay requires
      --max-object-size N     largest object in bytes (default 1 GiB)
      --memory-limit N        bytes kept in memory before spilling to disk
                              (default 1 GiB)
      --persist               keep objects on disk in the endpoint's folder
      --database-path DIR     keep objects on disk in DIR
  list             Show every endpoint with its status, id and address
  start NAME       Start an endpoint as a daemon
      --foreground            serve in this process until SIGTERM/Ctrl-C
  stop NAME        Stop a running endpoint
  remove NAME      Delete a stopped endpoint's folder
  help             Show this text

The home directory is $PROXYSTORE_HOME, or the user data directory.`;

const io: CommandIO = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** Parses an integer option; `undefined` when absent. */
function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`--${name} takes a whole number, not '${value}'.`);
  }
  return Number(value);
}

class UsageError extends Error {}

const COMMANDS = ['configure', 'list', 'start', 'stop', 'remove'];

/** Runs the CLI with `argv` (no node or script path); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'relay-address': { type: 'string' },
      'relay-token': { type: 'string' },
      'max-object-size': { type: 'string' },
      'memory-limit': { type: 'string' },
      persist: { type: 'boolean' },
      'database-path': { type: 'string' },
      foreground: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

  const [command, name, ...extra] = positionals;
  if (command === undefined || command === 'help' || values.help === true) {
    io.out(USAGE);
    return command === undefined && values.help !== true ? 1 : 0;
  }
  if (extra.length > 0) {
    throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  }

  if (!COMMANDS.includes(command)) {
    throw new UsageError(
      `Unknown command '${command}'. Commands: ${COMMANDS.join(', ')} ` +
        '(see proxystore-endpoint --help).',
    );
  }

  const home = proxystoreHome();
  if (command === 'list') return listCommand(home, io);

  if (name === undefined) {
    throw new UsageError(`'${command}' needs an endpoint NAME.`);
  }
  switch (command) {
    case 'configure':
      return configureCommand(
        name,
        {
          host: values.host,
          port: integer('port', values.port),
          token: values.token,
          relayAddress: values['relay-address'],
          relayToken: values['relay-token'],
          maxObjectSize: integer('max-object-size', values['max-object-size']),
          memoryLimit: integer('memory-limit', values['memory-limit']),
          persist: values.persist,
          databasePath: values['database-path'],
        },
        home,
        io,
      );
    case 'start':
      return startCommand(
        name,
        { foreground: values.foreground, cliPath: cliPath() },
        home,
        io,
      );
    case 'stop':
      return stopCommand(name, home, io);
    case 'remove':
      return removeCommand(name, home, io);
    default:
      throw new UsageError(`Unknown command '${command}'.`);
  }
}

function cliPath(): string {
  return fileURLToPath(import.meta.url);
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || isParseArgsError(err)) {
        const text = (err as Error).message;
        io.err(`Error: ${text}\nRun 'proxystore-endpoint help'.`);
      } else {
        io.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
      }
      process.exit(1);
    },
  );
}


#!/usr/bin/env node
/**
 * `proxystore-relay`: runs the relay server that endpoints register with to
 * set up peer connections. Prints one startup line with the actual address
 * (so `--port 0` can be used), and stops cleanly on SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';

import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RELAY_PORT,
  RelayServer,
} from '../endpoint/peering/relay-server.js';
import { isMainModule, isParseArgsError } from './cli-support.js';

const USAGE = `Usage: proxystore-relay [options]

Options:
  --host ADDR               interface to listen on (default 127.0.0.1)
  --port N                  port; 0 picks a free one (default ${DEFAULT_RELAY_PORT})
  --token TOKEN             clients must send Authorization: Bearer TOKEN
                            (default: $PROXYSTORE_RELAY_TOKEN, else none)
  --max-message-bytes N     largest frame accepted; a larger one closes only
                            its sender, with 1009
                            (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --help                    show this text

Set DEBUG=proxystore:relay:* to log registrations and forwarded signals.`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`--${name} takes a whole number, not '${value}'.`);
  }
  return Number(value);
}

/** Runs the relay until a signal arrives; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'max-message-bytes': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }

  // Listen for signals before the startup line, so a supervisor that stops
  // the relay as soon as it reads that line never kills it by default.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });

  const token = values.token ?? process.env['PROXYSTORE_RELAY_TOKEN'];
  const server = await RelayServer.start({
    host: values.host ?? '127.0.0.1',
    port: integer('port', values.port) ?? DEFAULT_RELAY_PORT,
    token: token === '' ? undefined : token,
    maxMessageBytes: integer('max-message-bytes', values['max-message-bytes']),
  });
  console.log(
    `proxystore-relay listening on ${server.url}` +
      (token === undefined || token === '' ? '' : ' (token required)'),
  );

  const signal = await stopped;
  console.log(`proxystore-relay stopping on ${signal}`);
  await server.close();
  console.log('proxystore-relay stopped');
  return 0;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError || isParseArgsError(error)) {
        console.error(`Error: ${(error as Error).message}\n${USAGE}`);
      } else {
        console.error(error instanceof Error ? error.message : String(error));
      }
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
/**
 * `proxystore-globus-auth`: log in to Globus (native-app flow with PKCE),
 * show who is logged in, and log out. Tokens live in
 * `<ProxyStore home>/globus-tokens.json`, readable by the owner only.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { GlobusConnectorError } from '../globus/errors.js';
import { login, logout, whoami } from '../globus/login.js';
import { resolveAuthUrl } from '../globus/services.js';
import { GlobusTokenStore } from '../globus/token-store.js';
import { isMainModule, isParseArgsError } from './cli-support.js';

const USAGE = `Usage: proxystore-globus-auth <command> [options]

Commands:
  login            Log in to Globus and save tokens for Transfer and Auth
      --collection UUID     ask data_access consent for a mapped collection
                            (repeat for each collection of your stores)
      --client-id ID        native app client id (default: ProxyStore app)
      --force               log in again even if tokens exist
  whoami           Show the identity the saved tokens belong to
  logout           Revoke the saved tokens and delete the token file
  help             Show this text

Tokens are saved in $PROXYSTORE_HOME/globus-tokens.json (or the user data
directory). PROXYSTORE_GLOBUS_AUTH_URL overrides the Globus Auth URL.`;

class UsageError extends Error {}

/** Where the CLI writes; tests and embedders may replace it. */
export interface GlobusAuthIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Shows `prompt` and returns the next line the user types ('' at EOF). */
  readLine: (prompt: string) => Promise<string>;
}

async function readStdinLine(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

const stdio: GlobusAuthIO = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  readLine: readStdinLine,
};

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: GlobusAuthIO = stdio): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      collection: { type: 'string', short: 'c', multiple: true },
      'client-id': { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

  const [command, ...extra] = positionals;
  if (command === undefined || command === 'help' || values.help === true) {
    io.out(USAGE);
    return command === undefined && values.help !== true ? 1 : 0;
  }
  if (extra.length > 0) {
    throw new UsageError(`Unexpected arguments: ${extra.join(' ')}.`);
  }

  const store = new GlobusTokenStore();
  const authUrl = resolveAuthUrl();
  try {
    switch (command) {
      case 'login':
        return await loginCommand(store, authUrl, values, io);
      case 'whoami': {
        const me = await whoami({ authUrl, tokenStore: store });
        const name = me.preferred_username ?? me.email ?? me.name ?? 'unknown';
        io.out(`${name} (${me.sub})`);
        return 0;
      }
      case 'logout': {
        const result = await logout({ authUrl, tokenStore: store });
        if (!result.removed) {
          io.out(`Not logged in: there is no token file at ${store.path}.`);
          return 0;
        }
        io.out(`Logged out: revoked ${result.revoked} token(s), deleted ${store.path}.`);
        if (result.failed > 0) {
          io.err(`Globus Auth did not confirm revoking ${result.failed} token(s).`);
        }
        return 0;
      }
      default:
        throw new UsageError(`Unknown command '${command}'.`);
    }
  } catch (err) {
    if (!(err instanceof GlobusConnectorError)) throw err;
    io.err(`Error: ${err.message}`);
    return 1;
  }
}

async function loginCommand(
  store: GlobusTokenStore,
  authUrl: string,
  values: { collection?: string[]; 'client-id'?: string; force?: boolean },
  io: GlobusAuthIO,
): Promise<number> {
  if (values.force !== true && (await store.load()) !== null) {
    io.out(
      `Globus tokens already exist in ${store.path}. Run 'logout' first, ` +
        'or login --force to replace them.',
    );
    return 0;
  }

  await login({
    authUrl,
    clientId: values['client-id'],
    collections: values.collection,
    tokenStore: store,
    prompt: async (url) => {
      io.out('Open this URL in a browser and log in to Globus:\n');
      io.out(`${url}\n`);
      return io.readLine('Enter the authorization code: ');
    },
  });
  io.out(`Logged in. Tokens saved to ${store.path}.`);
  return 0;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || isParseArgsError(err)) {
        stdio.err(`Error: ${(err as Error).message}\nRun 'proxystore-globus-auth help'.`);
      } else {
        stdio.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
      }
      process.exit(1);
    },
  );
}

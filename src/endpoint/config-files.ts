/**
 * Where endpoint files live: `<home>/endpoints/<name>/` holds `config.toml`,
 * `daemon.pid`, `log.txt` and, when persisting, the `blobs/` database.
 */
import { randomBytes } from 'node:crypto';
import {
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';

import { EndpointError } from '../errors.js';
import { proxystoreHome } from '../utils/home.js';
import {
  configFromToml,
  configToToml,
  isValidEndpointName,
  type EndpointConfig,
} from './config.js';
import {
  CONFIG_FILE,
  ENDPOINTS_DIR,
  LOG_FILE,
  PID_FILE,
} from './constants.js';

/** The folder that holds one folder per endpoint. */
export function endpointsDir(home: string = proxystoreHome()): string {
  return join(home, ENDPOINTS_DIR);
}

/** Paths of one endpoint's files. */
export interface EndpointPaths {
  dir: string;
  config: string;
  pid: string;
  log: string;
}

/**
 * Paths of the endpoint `name`.
 *
 * @throws {@link EndpointError} when the name is not a valid endpoint name.
 */
export function endpointPaths(
  name: string,
  home: string = proxystoreHome(),
): EndpointPaths {
  if (!isValidEndpointName(name)) {
    throw new EndpointError(
      `Invalid endpoint name ${JSON.stringify(name)}: use 1 to 64 letters, ` +
        'digits, underscores or dashes.',
      { endpoint: name },
    );
  }
  const dir = join(endpointsDir(home), name);
  return {
    dir,
    config: join(dir, CONFIG_FILE),
    pid: join(dir, PID_FILE),
    log: join(dir, LOG_FILE),
  };
}

/**
 * Reads the config of endpoint `name`.
 *
 * @throws {@link EndpointError} when it is missing, unreadable or invalid.
 */
export async function readEndpointConfig(
  name: string,
  home: string = proxystoreHome(),
): Promise<EndpointConfig> {
  const paths = endpointPaths(name, home);

  let text: string;
  try {
    text = await readFile(paths.config, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EndpointError(
      missing
        ? `No endpoint named '${name}' is configured (no ${paths.config}). ` +
            `Create it with 'proxystore-endpoint configure ${name}'.`
        : `Cannot read the config of endpoint '${name}' (${paths.config}): ` +
            `${String(err)}`,
      { endpoint: name, cause: err },
    );
  }

  const config = configFromToml(text, paths.config);
  if (config.name !== name) {
    throw new EndpointError(
      `The config ${paths.config} names endpoint '${config.name}' but lives ` +
        `in the folder of '${name}'. Rename the folder or fix the name field.`,
      { endpoint: name },
    );
  }
  return config;
}

/**
 * Writes the config of an endpoint atomically (a temporary file renamed over
 * the old one), creating its folder when needed.
 */
export async function writeEndpointConfig(
  config: EndpointConfig,
  home: string = proxystoreHome(),
): Promise<void> {
  const paths = endpointPaths(config.name, home);
  await mkdir(paths.dir, { recursive: true });

  const tmp = `${paths.config}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, configToToml(config), { mode: 0o600 });
  await rename(tmp, paths.config);
}

/** A config directory entry: either a valid config, or why it is not one. */
export type ConfigEntry =
  | { name: string; config: EndpointConfig; error?: undefined }
  | { name: string; config?: undefined; error: EndpointError };

/** Every endpoint folder under the home, sorted by name, with its config. */
export async function listEndpointConfigs(
  home: string = proxystoreHome(),
): Promise<ConfigEntry[]> {
  let names: string[];
  try {
    const entries = await readdir(endpointsDir(home), { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }

  const out: ConfigEntry[] = [];
  for (const name of names.filter(isValidEndpointName).sort()) {
    try {
      out.push({ name, config: await readEndpointConfig(name, home) });
    } catch (err) {
      if (!(err instanceof EndpointError)) throw err;
      out.push({ name, error: err });
    }
  }
  return out;
}

/** Deletes an endpoint's folder with everything in it. */
export async function removeEndpointDir(
  name: string,
  home: string = proxystoreHome(),
): Promise<void> {
  await rm(endpointPaths(name, home).dir, { recursive: true, force: true });
}

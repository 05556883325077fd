import { InvalidArgumentError, UnknownConnectorKindError } from '../errors.js';
import type { JsonObject } from '../utils/json.js';
import type { Connector, ConnectorConfig } from './connector.js';

/** Builds a connector from the JSON-safe options of its config. */
export type ConnectorFromConfig = (options: JsonObject) => Connector;

/**
 * How a kind is loaded: `load()` returns the builder (it may import one of
 * this package's own subpath modules). Kinds come from a closed table: the
 * built-ins below plus what the application registers. A kind named in a
 * reference from the wire is only ever looked up here, so reading a reference
 * never loads code that the application did not choose.
 */
interface KindEntry {
  builder?: ConnectorFromConfig;
  /** Imports the module that registers the kind's builder. */
  load?: () => Promise<unknown>;
}

const kinds = new Map<string, KindEntry>();

const KIND_PATTERN = /^[a-z][a-z0-9-]*$/;

/**
 * Registers a connector kind so that configs and references naming it can be
 * rebuilt. Built-in kinds register themselves when their module loads.
 *
 * @param kind - lowercase name, for example `'s3'`.
 * @param fromConfig - builds the connector from its config options.
 */
export function registerConnectorKind(
  kind: string,
  fromConfig: ConnectorFromConfig,
): void {
  if (!KIND_PATTERN.test(kind)) {
    throw InvalidArgumentError.format(
      'kind',
      kind,
      'a connector kind is lowercase letters, digits and dashes, starting with a letter',
    );
  }
  const entry = kinds.get(kind) ?? {};
  entry.builder = fromConfig;
  kinds.set(kind, entry);
}

/**
 * Declares a built-in kind whose module is loaded on first need.
 * Internal: only this package's own modules are ever named here.
 */
export function declareLazyConnectorKind(
  kind: string,
  load: () => Promise<unknown>,
): void {
  const entry = kinds.get(kind) ?? {};
  entry.load = load;
  kinds.set(kind, entry);
}

/** Whether `kind` can be built synchronously right now. */
export function isConnectorKindLoaded(kind: string): boolean {
  return kinds.get(kind)?.builder !== undefined;
}

/** Names of all known kinds (loaded or lazily loadable). */
export function connectorKinds(): string[] {
  return [...kinds.keys()].sort();
}

function unknownKind(kind: string): UnknownConnectorKindError {
  const known = connectorKinds().join(', ') || 'none';
  return new UnknownConnectorKindError(
    kind,
    `Unknown connector kind '${kind}' (known kinds: ${known}). ` +
      'Import the module that provides it, or call registerConnectorKind().',
  );
}

/** Builds a connector from its config, synchronously; the kind must be loaded. */
export function connectorFromConfigSync(config: ConnectorConfig): Connector {
  const entry = kinds.get(config.kind);
  if (entry?.builder === undefined) {
    if (entry?.load !== undefined) {
      throw new UnknownConnectorKindError(
        config.kind,
        `Connector kind '${config.kind}' is not loaded yet in this thread; ` +
          'use the async path (await resolve(proxy)) or import its module first.',
      );
    }
    throw unknownKind(config.kind);
  }
  return entry.builder(config.options);
}

/** Builds a connector from its config, loading a built-in kind's module if needed. */
export async function connectorFromConfig(
  config: ConnectorConfig,
): Promise<Connector> {
  const entry = kinds.get(config.kind);
  if (entry === undefined) throw unknownKind(config.kind);
  if (entry.builder === undefined && entry.load !== undefined) {
    await entry.load();
  }
  if (entry.builder === undefined) throw unknownKind(config.kind);
  return entry.builder(config.options);
}

import type { DimChunkLimits, DimConnectorOptions } from './dim-config.js';

/** Smallest chunk the wire protocol allows (native/ucx/src/wire.h). */
export const MIN_UCX_CHUNK_SIZE = 4096;

/** Default chunk size: large, since UCX fragments each chunk itself. */
export const DEFAULT_UCX_CHUNK_SIZE = 16 * 1024 * 1024;

/** The chunk sizes UCXConnector allows. */
export const UCX_CHUNK_LIMITS: DimChunkLimits = {
  defaultSize: DEFAULT_UCX_CHUNK_SIZE,
  min: MIN_UCX_CHUNK_SIZE,
};

/** Options of {@link UCXConnector} (and of `UCXStore`). */
export interface UCXConnectorOptions extends DimConnectorOptions {
  /**
   * How long a request may take, in ms, plus one second per 50 MB of the
   * object; then it fails with `DimTimeoutError`. Also bounds the ping that
   * looks for an existing server.
   * @defaultValue 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Objects travel as UCX active messages of at most this many bytes, each
   * tagged with its message id and index. At least 4096.
   * @defaultValue 16 MiB
   */
  chunkSize?: number | undefined;
}

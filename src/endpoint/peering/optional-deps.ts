/**
 * Loading the optional peer dependencies of peering on first use: `ws` for
 * the relay, `node-datachannel` for WebRTC. Importing `proxystore/endpoint`
 * loads neither; a missing one fails with an error that says what to install.
 */
import { MissingDependencyError } from '../../errors.js';

/** The `ws` module namespace. */
export type WsModule = typeof import('ws');

/** The `node-datachannel` native API (its default export). */
export type DataChannelModule = typeof import('node-datachannel').default;

const importWs = (): Promise<WsModule> => import('ws');
const importDataChannel = (): Promise<typeof import('node-datachannel')> =>
  import('node-datachannel');

let wsLoading: Promise<WsModule> | undefined;
let dcLoading: Promise<DataChannelModule> | undefined;

/**
 * Imports `ws` once.
 *
 * @throws {@link MissingDependencyError} when `ws` is not installed.
 */
export function loadWs(): Promise<WsModule> {
  wsLoading ??= importWs().catch((error: unknown) => {
    wsLoading = undefined;
    throw new MissingDependencyError('ws', 'the relay server and client', {
      cause: error,
    });
  });
  return wsLoading;
}

/**
 * Imports the native API of `node-datachannel` once (never its W3C polyfill,
 * which does not gather loopback candidates).
 *
 * @throws {@link MissingDependencyError} when it is not installed.
 */
export function loadDataChannel(): Promise<DataChannelModule> {
  dcLoading ??= importDataChannel().then(
    (module) => module.default,
    (error: unknown) => {
      dcLoading = undefined;
      throw new MissingDependencyError(
        'node-datachannel',
        'WebRTC peer connections between endpoints',
        { cause: error },
      );
    },
  );
  return dcLoading;
}

import type { Worker } from 'node:worker_threads';

import { DimConnectorError } from '../errors.js';
import { logger } from '../utils/debug.js';
import { startModuleWorker } from '../utils/module-worker.js';
import type { DimServerSettings } from './dim-config.js';
import { formatAddress } from './dim-key.js';
import type { DimServerHandle } from './server-registry.js';
import { transferableCopy } from './server-thread-messages.js';
import type { ServerThreadMessage, ServerThreadRequest } from './server-thread-messages.js';

const log = logger('dim:websocket:server');

const KIND = 'websocket';

/** Least time given to a server thread to start or to stop. */
const MIN_THREAD_WAIT_MS = 15_000;

type Reply = Extract<ServerThreadMessage, { type: 'reply' }>;

interface Waiter {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/**
 * A WebSocket DIM server this process started, running in its own worker
 * thread so that it answers even while this thread blocks in a synchronous
 * resolve. The connectors of this thread read and write its objects through
 * the thread's message port (puts by transfer); everyone else, including
 * other threads of this process, goes through the WebSocket.
 *
 * The worker does not keep the process alive while idle.
 */
export class WebsocketServerHandle implements DimServerHandle {
  readonly kind = KIND;
  readonly owned = true;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly #worker: Worker;
  readonly #waiters = new Map<number, Waiter>();
  readonly #waitMs: number;
  #nextRid = 1;
  #dead: Error | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(worker: Worker, host: string, port: number, waitMs: number) {
    this.#worker = worker;
    this.host = host;
    this.port = port;
    this.address = formatAddress(host, port);
    this.#waitMs = waitMs;

    worker.on('message', (message: ServerThreadMessage) => {
      if (message.type !== 'reply') return;
      const waiter = this.#waiters.get(message.rid);
      this.#waiters.delete(message.rid);
      this.#refCount();
      waiter?.resolve(message);
    });
    worker.on('error', (error: Error) => this.#die(error));
    worker.on('exit', (code: number) => {
      this.#die(new Error(`the server thread exited with code ${code}`));
    });
    worker.unref();
  }

  /**
   * Starts a server thread and waits until it listens.
   *
   * @throws {@link DimConnectorError}; its `code` is `'EADDRINUSE'` when the
   * port is taken.
   */
  static async start(
    settings: DimServerSettings,
    timeoutMs: number,
  ): Promise<WebsocketServerHandle> {
    const address = formatAddress(settings.host, settings.port);
    const waitMs = Math.max(timeoutMs, MIN_THREAD_WAIT_MS);
    const worker = startModuleWorker(import.meta.url, 'websocket-server-worker', {
      workerData: { settings },
      name: `proxystore websocket server ${address}`,
    });

    let timer: NodeJS.Timeout | undefined;
    let onMessage: ((message: ServerThreadMessage) => void) | undefined;
    let onError: ((error: Error) => void) | undefined;
    let onExit: ((code: number) => void) | undefined;
    try {
      const port = await new Promise<number>((resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`it did not listen within ${waitMs} ms`));
        }, waitMs);
        onError = reject;
        onExit = (code) => reject(new Error(`its thread exited (code ${code})`));
        onMessage = (message) => {
          if (message.type === 'listening') resolve(message.port);
          if (message.type === 'failed') {
            reject(Object.assign(new Error(message.message), { code: message.code }));
          }
        };
        worker.on('error', onError).on('exit', onExit).on('message', onMessage);
      });
      return new WebsocketServerHandle(worker, settings.host, port, waitMs);
    } catch (error) {
      worker.on('error', () => undefined);
      void worker.terminate();
      const cause = error as Error & { code?: string };
      throw Object.assign(
        new DimConnectorError(
          KIND,
          address,
          `Could not start the websocket DIM server at ${address}: ${cause.message}.` +
            (cause.code === 'EADDRINUSE' ? ' Pick another port (or 0 for a free one).' : ''),
          { cause },
        ),
        { code: cause.code },
      );
    } finally {
      clearTimeout(timer);
      if (onMessage !== undefined) worker.off('message', onMessage);
      if (onError !== undefined) worker.off('error', onError);
      if (onExit !== undefined) worker.off('exit', onExit);
    }
  }

  /** Stores bytes in the server thread (a copy is transferred; `data` stays intact). */
  async put(id: string, data: Uint8Array): Promise<void> {
    const copy = transferableCopy(data);
    await this.#call({ op: 'put', rid: 0, id, data: copy }, [copy.buffer as ArrayBuffer]);
  }

  /** The bytes under `id` (a transferred copy), or null. */
  async get(id: string): Promise<Uint8Array | null> {
    const reply = await this.#call({ op: 'get', rid: 0, id });
    return reply.data ?? null;
  }

  async exists(id: string): Promise<boolean> {
    const reply = await this.#call({ op: 'exists', rid: 0, id });
    return reply.exists === true;
  }

  async evict(id: string): Promise<void> {
    await this.#call({ op: 'evict', rid: 0, id });
  }

  /** Stops the server thread (its objects are dropped). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#dead !== undefined) return;
    this.#worker.ref();

    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void this.#worker.terminate(), this.#waitMs);
    this.#worker.postMessage({ op: 'stop' } satisfies ServerThreadRequest);
    await exited;
    clearTimeout(timer);
    log('stopped the server at %s', this.address);
  }

  #call(request: ServerThreadRequest, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.#dead !== undefined || this.#stopping !== undefined) {
      return Promise.reject(this.#deadError(this.#dead));
    }
    const rid = this.#nextRid++;
    return new Promise<Reply>((resolve, reject) => {
      this.#waiters.set(rid, { resolve, reject });
      this.#refCount();
      this.#worker.postMessage({ ...request, rid }, transfer);
    });
  }

  /** Keeps the process alive exactly while replies are awaited. */
  #refCount(): void {
    if (this.#waiters.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  // TODO(dim): a server thread that crashed is not restarted; this
  // process's puts fail until every connector using it has closed.
  #die(cause: Error): void {
    this.#dead ??= cause;
    const error = this.#deadError(cause);
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }

  #deadError(cause: Error | undefined): DimConnectorError {
    const why = cause === undefined ? 'it was stopped' : cause.message;
    return new DimConnectorError(
      KIND,
      this.address,
      `The websocket DIM server of this process at ${this.address} is not ` +
        `running (${why}); its objects are gone.`,
      cause === undefined ? {} : { cause },
    );
  }
}

/**
 * The blocked thread's side of the bridge: one worker, one channel, one
 * shared signal word. A call posts a request, then sleeps in `Atomics.wait`
 * until the worker bumps the signal, and takes replies with
 * `receiveMessageOnPort`; it never needs this thread's event loop.
 */
import {
  MessageChannel,
  type MessagePort,
  Worker,
  receiveMessageOnPort,
} from 'node:worker_threads';

import { workerExecArgv } from '../utils/module-worker.js';

import { BridgeError } from '../errors.js';
import { logger } from '../utils/debug.js';
import {
  BOOTSTRAP_SOURCE,
  typeScriptLoaderUrl,
  workerEntryUrl,
} from './bootstrap.js';
import {
  type BridgeReply,
  type BridgeRequest,
  type BridgeWorkerData,
  decodeError,
} from './protocol.js';

const log = logger('bridge');

/** Distributes `Omit` over the request union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A request without its id (the client numbers requests). */
export type BridgeCall = WithoutId<BridgeRequest>;

/** Called when a wait runs out; returns the error to throw. */
export type OnTimeout = (waitedMs: number) => Error;

/** A reply that carries a result (errors and fatal replies are thrown). */
export type BridgeResult = (BridgeReply & { type: 'result' })['value'];

/** The worker failed for good: every later call on this client fails. */
class DeadWorker {
  constructor(readonly error: BridgeError) {}
}

export class BridgeClient {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #nextId = 1;
  #dead: DeadWorker | undefined;
  #busy = false;

  private constructor(worker: Worker, port: MessagePort, signal: Int32Array) {
    this.#worker = worker;
    this.#port = port;
    this.#signal = signal;
  }

  /**
   * Starts a worker and blocks until it reports ready (or fails, or the
   * timeout passes: then `onTimeout` makes the error).
   */
  static start(
    modules: readonly string[],
    timeoutMs: number,
    onTimeout: OnTimeout,
  ): BridgeClient {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const data: BridgeWorkerData = {
      port: port2,
      signal: signal.buffer as SharedArrayBuffer,
      entry: workerEntryUrl().href,
      tsLoader: typeScriptLoaderUrl(),
      modules: [...modules],
    };

    const started = performance.now();
    const worker = new Worker(BOOTSTRAP_SOURCE, {
      eval: true,
      execArgv: workerExecArgv(),
      workerData: data,
      transferList: [port2],
      name: 'proxystore-bridge',
    });
    worker.unref();
    port1.unref();

    const client = new BridgeClient(worker, port1, signal);
    worker.on('error', (error) => client.#fail('crashed', error));
    worker.on('exit', (code) => {
      client.#fail('exited', new Error(`The bridge worker exited (code ${code}).`));
    });

    try {
      client.#await(0, timeoutMs, (waited) => {
        const error = onTimeout(waited);
        error.message += ' (The bridge worker was still starting.)';
        return error;
      });
    } catch (error) {
      void client.terminate();
      throw error;
    }

    log('worker started in %d ms', Math.round(performance.now() - started));
    return client;
  }

  /** Whether the worker has failed for good (a new client is needed). */
  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /**
   * Sends a request and blocks until its reply, the worker's failure, or the
   * timeout. Replies to earlier, timed-out requests are dropped.
   */
  call(
    request: BridgeCall,
    timeoutMs: number,
    onTimeout: OnTimeout,
  ): BridgeResult {
    if (this.#dead !== undefined) throw this.#dead.error;
    if (this.#busy) {
      throw new BridgeError(
        'Re-entrant bridge call: this thread is already blocked in a bridge call. ' +
          'Resolve proxies with await resolve(proxy) in code the bridge runs.',
      );
    }

    const id = this.#nextId;
    this.#nextId = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;

    this.#busy = true;
    try {
      this.#port.postMessage({ ...request, id });
      return this.#await(id, timeoutMs, onTimeout);
    } finally {
      this.#busy = false;
    }
  }

  /** Ends the worker (after `close` requests, or when it failed). */
  async terminate(): Promise<void> {
    this.#dead ??= new DeadWorker(new BridgeError('The bridge was shut down.'));
    this.#port.close();
    await this.#worker.terminate();
  }

  #await(id: number, timeoutMs: number, onTimeout: OnTimeout): BridgeResult {
    const started = performance.now();
    const deadline = started + timeoutMs;

    for (;;) {
      // Read the signal before draining: a reply posted after the drain has
      // bumped it, so the wait below returns at once instead of sleeping.
      const seen = Atomics.load(this.#signal, 0);

      let entry = receiveMessageOnPort(this.#port);
      while (entry !== undefined) {
        const reply = entry.message as BridgeReply;
        if (reply.type === 'fatal') throw this.#fatal(reply);
        if (reply.id === id) return this.#unwrap(reply);
        log('dropping a late reply to request %d', reply.id);
        entry = receiveMessageOnPort(this.#port);
      }

      const remaining = deadline - performance.now();
      // TODO(bridge): a worker stuck in a busy loop keeps timing out every
      // call; after repeated timeouts the client could replace it.
      if (remaining <= 0) throw onTimeout(performance.now() - started);
      Atomics.wait(this.#signal, 0, seen, remaining);
    }
  }

  #unwrap(reply: BridgeReply): BridgeResult {
    switch (reply.type) {
      case 'result':
        return reply.value;
      case 'ready':
        return true;
      case 'error':
        throw decodeError(reply.error);
      case 'fatal':
        throw this.#fatal(reply);
    }
  }

  #fatal(reply: BridgeReply & { type: 'fatal' }): BridgeError {
    const cause = decodeError(reply.error);
    this.#fail('failed', cause);
    void this.terminate();
    return (this.#dead as DeadWorker).error;
  }

  #fail(what: string, cause: Error): void {
    if (this.#dead !== undefined) return;

    const error = new BridgeError(
      `The bridge worker ${what} (${cause.name}: ${cause.message}). ` +
        'The next bridge call starts a new worker; async code can use ' +
        'await resolve(proxy) instead.',
      { cause },
    );
    this.#dead = new DeadWorker(error);
    log('worker %s: %s', what, cause.message);
  }
}

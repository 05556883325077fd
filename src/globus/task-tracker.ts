import { logger } from '../utils/debug.js';
import { GlobusApiError, GlobusTaskFailedError } from './errors.js';
import type { GlobusTransferClient, WaitOptions } from './transfer-client.js';

const log = logger('globus:tasks');

/** How a task ended, as far as a reader cares. */
type Outcome =
  | { readonly status: 'SUCCEEDED' }
  | { readonly status: 'UNKNOWN' }
  | { readonly status: 'FAILED'; readonly error: GlobusTaskFailedError };

/** Finished tasks remembered per connector (oldest forgotten first). */
const MAX_REMEMBERED = 10_000;

/**
 * Waits for Transfer tasks on behalf of one connector. Concurrent waits on
 * one task share one polling loop, and a finished task's outcome is kept,
 * so keys of one batch (which share their tasks) cost one wait.
 */
export class TaskTracker {
  readonly #client: GlobusTransferClient;
  readonly #options: WaitOptions;
  readonly #finished = new Map<string, Outcome>();
  readonly #waiting = new Map<string, Promise<Outcome>>();

  constructor(client: GlobusTransferClient, options: WaitOptions) {
    this.#client = client;
    this.#options = options;
  }

  /**
   * Waits for every task. Resolves `true` when all succeeded and `false`
   * when Transfer does not know one of them (a made-up or foreign key).
   *
   * @throws {@link GlobusTaskFailedError} when a task failed.
   * @throws {@link GlobusTaskTimeoutError} when one is not done in time.
   */
  async waitAll(taskIds: readonly string[]): Promise<boolean> {
    const outcomes = await Promise.all(taskIds.map((id) => this.#wait(id)));

    for (const outcome of outcomes) {
      if (outcome.status === 'FAILED') throw outcome.error;
    }
    return outcomes.every((o) => o.status === 'SUCCEEDED');
  }

  #wait(taskId: string): Promise<Outcome> {
    const known = this.#finished.get(taskId);
    if (known !== undefined) return Promise.resolve(known);

    let pending = this.#waiting.get(taskId);
    if (pending === undefined) {
      pending = this.#poll(taskId).finally(() => this.#waiting.delete(taskId));
      this.#waiting.set(taskId, pending);
    }
    return pending;
  }

  async #poll(taskId: string): Promise<Outcome> {
    let outcome: Outcome;
    try {
      const task = await this.#client.waitForTask(taskId, this.#options);
      outcome =
        task.status === 'SUCCEEDED'
          ? { status: 'SUCCEEDED' }
          : {
              status: 'FAILED',
              error: new GlobusTaskFailedError(taskId, task.fatal_error),
            };
    } catch (err) {
      // Transfer answers 400 for a malformed id and 404 for an unknown one.
      const unknown =
        err instanceof GlobusApiError &&
        (err.httpStatus === 400 || err.httpStatus === 404);
      if (!unknown) throw err;
      outcome = { status: 'UNKNOWN' };
    }

    log('task %s: %s', taskId, outcome.status);
    this.#remember(taskId, outcome);
    return outcome;
  }

  #remember(taskId: string, outcome: Outcome): void {
    if (this.#finished.size >= MAX_REMEMBERED) {
      const oldest = this.#finished.keys().next();
      if (oldest.done !== true) this.#finished.delete(oldest.value);
    }
    this.#finished.set(taskId, outcome);
  }
}

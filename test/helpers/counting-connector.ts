/**
 * A real LocalConnector that counts calls and can hold `get` until released,
 * for tests of caching, shared fetches and identity operations.
 */
import { LocalConnector, type LocalKey } from '../../src/connectors/local-connector.js';

export class CountingConnector extends LocalConnector {
  gets = 0;
  syncGets = 0;
  puts = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  /** Makes every async get wait until {@link release} is called. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  override async get(key: LocalKey): Promise<Uint8Array | null> {
    this.gets += 1;
    if (this.#gate !== undefined) await this.#gate;
    return super.get(key);
  }

  override getSync(key: LocalKey): Uint8Array | null {
    this.syncGets += 1;
    return super.getSync(key);
  }

  override async put(data: Uint8Array): Promise<LocalKey> {
    this.puts += 1;
    return super.put(data);
  }

  get reads(): number {
    return this.gets + this.syncGets;
  }
}

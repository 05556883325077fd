/**
 * The endpoint's operations, independent of HTTP: each one runs on this
 * endpoint's storage when the key belongs here, and is forwarded to the
 * owning endpoint otherwise.
 */
import { EndpointRequestError, tooLarge } from './request-error.js';
import type { Forwarder } from './forwarding.js';
import type {
  EndpointStorage,
  StoredObject,
} from './storage/endpoint-storage.js';

/** Options of {@link Endpoint}. */
export interface EndpointOptions {
  /** This endpoint's id. */
  uuid: string;
  /** This endpoint's name. */
  name: string;
  storage: EndpointStorage;
  /** Largest object accepted, in bytes. */
  maxObjectSize: number;
  /** Peer forwarding; absent when the endpoint runs alone. */
  forwarder?: Forwarder | undefined;
}

export class Endpoint {
  readonly uuid: string;
  readonly name: string;
  readonly maxObjectSize: number;
  readonly #storage: EndpointStorage;
  readonly #forwarder: Forwarder | undefined;

  constructor(options: EndpointOptions) {
    this.uuid = options.uuid;
    this.name = options.name;
    this.maxObjectSize = options.maxObjectSize;
    this.#storage = options.storage;
    this.#forwarder = options.forwarder;

    this.#forwarder?.serve(
      {
        get: (key) => this.#storage.getBytes(key),
        set: (key, data) => this.#storage.set(key, data),
        exists: (key) => this.#storage.exists(key),
        evict: (key) => this.#storage.evict(key),
      },
      this.maxObjectSize,
    );
  }

  /** Whether a key owned by `endpointId` is stored here. */
  isLocal(endpointId: string | undefined): boolean {
    return endpointId === undefined || endpointId === this.uuid;
  }

  /** The object under `key`, or `null`; a `file` result must be closed. */
  async get(key: string, endpointId?: string): Promise<StoredObject | null> {
    if (this.isLocal(endpointId)) return this.#storage.get(key);

    // TODO(peer-streaming): a forwarded object is held whole in memory here
    // until it is sent on; the peer protocol has no streaming reply yet.
    const data = await this.#peers(endpointId).get(endpointId as string, key);
    return data === null ? null : { kind: 'memory', data };
  }

  /** Stores `data` under `key` (here, or at the owning endpoint). */
  async set(key: string, data: Buffer, endpointId?: string): Promise<void> {
    if (data.byteLength > this.maxObjectSize) {
      throw tooLarge(data.byteLength, this.maxObjectSize);
    }

    if (this.isLocal(endpointId)) {
      await this.#storage.set(key, data);
    } else {
      await this.#peers(endpointId).set(endpointId as string, key, data);
    }
  }

  /** Whether an object exists under `key`. */
  async exists(key: string, endpointId?: string): Promise<boolean> {
    if (this.isLocal(endpointId)) return this.#storage.exists(key);
    return this.#peers(endpointId).exists(endpointId as string, key);
  }

  /** Removes the object under `key`; a missing key is not an error. */
  async evict(key: string, endpointId?: string): Promise<void> {
    if (this.isLocal(endpointId)) return this.#storage.evict(key);
    return this.#peers(endpointId).evict(endpointId as string, key);
  }

  #peers(endpointId: string | undefined): Forwarder {
    if (this.#forwarder !== undefined) return this.#forwarder;

    throw new EndpointRequestError(
      500,
      `Endpoint '${this.name}' (${this.uuid}) has no relay configured, so it ` +
        `cannot reach endpoint ${String(endpointId)} that owns this key. ` +
        'Configure both endpoints with --relay-address and restart them.',
    );
  }
}

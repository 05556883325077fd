/**
 * Peering between endpoints: one {@link PeerManager} per endpoint registers
 * with a relay server, opens WebRTC peer connections to other endpoints on
 * demand, and carries store requests (get, set, exists, evict) over them.
 */

/** A store operation one endpoint asks another endpoint to perform. */
export interface PeerRequest {
  op: 'get' | 'set' | 'exists' | 'evict';
  key: string;
  data?: Uint8Array;
}

/** The answer to a {@link PeerRequest}. */
export type PeerResponse =
  | { ok: true; data?: Uint8Array | null; exists?: boolean }
  | { ok: false; status: number; message: string };

/** Options of {@link PeerManager}. */
export interface PeerManagerOptions {
  /** This endpoint's id (a UUID), under which it registers with the relay. */
  endpointId: string;
  /** Relay server address, for example `ws://127.0.0.1:8700`. */
  relayAddress: string;
  /** Token the relay requires, if it was started with one. */
  relayToken?: string | undefined;
  /** STUN/TURN server URLs. @defaultValue `[]` (host candidates only) */
  iceServers?: string[] | undefined;
  /** Interface for ICE host candidates. @defaultValue `'127.0.0.1'` */
  bindAddress?: string | undefined;
}

/** Handles requests that peers send to this endpoint. */
export type PeerRequestHandler = (
  fromId: string,
  req: PeerRequest,
) => Promise<PeerResponse>;

/**
 * Registers this endpoint with a relay and exchanges requests with peers.
 */
export class PeerManager {
  readonly #options: PeerManagerOptions;
  #handler: PeerRequestHandler | undefined;

  constructor(options: PeerManagerOptions) {
    this.#options = options;
  }

  /** This endpoint's id. */
  get endpointId(): string {
    return this.#options.endpointId;
  }

  /** Connects and registers with the relay. */
  async start(): Promise<void> {
    // TODO(peering): stub for the first commit; real body follows.
  }

  /** Sets the handler for requests that peers send to this endpoint. */
  onRequest(handler: PeerRequestHandler): void {
    this.#handler = handler;
  }

  /** Sends a request to a peer endpoint and waits for its response. */
  async request(
    peerId: string,
    req: PeerRequest,
    opts?: { timeoutMs?: number },
  ): Promise<PeerResponse> {
    // TODO(peering): stub for the first commit; real body follows.
    void peerId;
    void req;
    void opts;
    void this.#handler;
    return { ok: false, status: 501, message: 'Peering is not built yet.' };
  }

  /** Closes the relay client and every peer connection. */
  async close(): Promise<void> {
    // TODO(peering): stub for the first commit; real body follows.
  }
}

/**
 * Messages between a DIM server's worker thread and the thread that owns
 * it. Object bytes travel as transferred buffers, never cloned.
 */

/** Owner to server thread. */
export type ServerThreadRequest =
  | { readonly op: 'put'; readonly rid: number; readonly id: string; readonly data: Uint8Array }
  | { readonly op: 'get' | 'exists' | 'evict'; readonly rid: number; readonly id: string }
  | { readonly op: 'stop' };

/** Server thread to owner. */
export type ServerThreadMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string; readonly code: string | undefined }
  | {
      readonly type: 'reply';
      readonly rid: number;
      /** The object of a `get` (null when missing). */
      readonly data?: Uint8Array | null;
      /** The answer of an `exists`. */
      readonly exists?: boolean;
    }
  | { readonly type: 'stopped' };

/**
 * A copy of `data` in a fresh buffer of its own, ready to transfer: one
 * memcpy, instead of the two of a structured clone. The caller's bytes stay
 * intact.
 */
export function transferableCopy(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}

/**
 * The relay's wire protocol: JSON text frames between endpoints and the relay
 * server, and the close codes the relay uses.
 *
 * An endpoint opens a WebSocket to the relay and sends `register` with its id.
 * The relay answers `registered`. From then on the endpoint sends `offer`,
 * `answer` and `candidate` frames naming a peer in `to`; the relay forwards
 * each one to that peer with `from` set to the sender's registered id. Data
 * between endpoints never passes through the relay: these frames only set up
 * the direct WebRTC connection.
 */
import { ProxyStoreError } from '../../errors.js';

/** Close codes the relay sends; each is final for the client that gets it. */
export const RelayCloseCode = {
  /** The frame was binary, not JSON, or not a valid relay message. */
  BadMessage: 4000,
  /** The relay requires a token and the client sent none or a wrong one. */
  Unauthorized: 4001,
  /** The client sent a signal before registering (or registered twice). */
  Forbidden: 4002,
  /**
   * The named peer is not registered. The relay reports this in an `error`
   * frame with this code instead of closing: an offline peer is a normal
   * condition, and closing would cut the sender's other signalling.
   */
  UnknownPeer: 4003,
  /** A newer registration under the same id replaced this connection. */
  Replaced: 4004,
} as const;

/** WebSocket close code for a message larger than the receiver accepts. */
export const MESSAGE_TOO_BIG = 1009;

/** Close codes after which a relay client must not reconnect. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  RelayCloseCode.Unauthorized,
  RelayCloseCode.Forbidden,
  RelayCloseCode.Replaced,
  RelayCloseCode.BadMessage,
]);

/** Longest endpoint id the relay accepts. */
export const MAX_ID_LENGTH = 128;

/** Client to relay: register this connection under `id`. */
export interface RegisterMessage {
  type: 'register';
  id: string;
  name?: string;
}

/** Relay to client: the registration succeeded. */
export interface RegisteredMessage {
  type: 'registered';
  id: string;
  /** Largest frame the relay accepts, in bytes (0 when unlimited). */
  maxMessageBytes: number;
}

/** A WebRTC session description or ICE candidate on its way to a peer. */
export interface SignalMessage {
  type: 'offer' | 'answer' | 'candidate';
  /** The peer this frame is for. */
  to: string;
  /** The sender; the relay overwrites it with the sender's registered id. */
  from?: string;
  /** Id of one connection attempt, so stale frames can be told apart. */
  connection: string;
  /** SDP text of an offer or answer. */
  sdp?: string;
  /** ICE candidate line and its media id. */
  candidate?: string;
  mid?: string;
}

/** Relay to client: a signal could not be delivered, or another failure. */
export interface ErrorMessage {
  type: 'error';
  /** A {@link RelayCloseCode} value describing the failure. */
  code: number;
  message: string;
  /** For an undeliverable signal: its target and connection attempt. */
  to?: string;
  connection?: string;
}

/** Every frame of the relay protocol. */
export type RelayMessage =
  | RegisterMessage
  | RegisteredMessage
  | SignalMessage
  | ErrorMessage;

/** Why {@link parseRelayMessage} rejected a frame (internal to peering). */
export class RelayMessageError extends ProxyStoreError {
  override readonly name = 'RelayMessageError';
}

const SIGNAL_TYPES = new Set(['offer', 'answer', 'candidate']);

/** Serializes a relay message as a JSON text frame. */
export function encodeRelayMessage(message: RelayMessage): string {
  return JSON.stringify(message);
}

/**
 * Parses and validates one text frame.
 *
 * @throws {@link RelayMessageError} when the frame is not a valid message.
 */
export function parseRelayMessage(text: string): RelayMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RelayMessageError('The frame is not valid JSON.', {
      cause: error,
    });
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RelayMessageError('The frame is not a JSON object.');
  }
  const record = value as Record<string, unknown>;

  switch (record['type']) {
    case 'register':
      return parseRegister(record);
    case 'registered':
      return {
        type: 'registered',
        id: requireId(record, 'id'),
        maxMessageBytes: requireNumber(record, 'maxMessageBytes'),
      };
    case 'error':
      return parseError(record);
    default:
      if (SIGNAL_TYPES.has(record['type'] as string)) {
        return parseSignal(record);
      }
      throw new RelayMessageError(
        `Unknown message type ${JSON.stringify(record['type'])}.`,
      );
  }
}

function parseRegister(record: Record<string, unknown>): RegisterMessage {
  const message: RegisterMessage = {
    type: 'register',
    id: requireId(record, 'id'),
  };
  const name = optionalString(record, 'name');
  if (name !== undefined) message.name = name;
  return message;
}

function parseSignal(record: Record<string, unknown>): SignalMessage {
  const message: SignalMessage = {
    type: record['type'] as SignalMessage['type'],
    to: requireId(record, 'to'),
    connection: requireString(record, 'connection'),
  };

  const from = record['from'] === undefined ? undefined : requireId(record, 'from');
  if (from !== undefined) message.from = from;

  if (message.type === 'candidate') {
    message.candidate = requireString(record, 'candidate');
    message.mid = requireString(record, 'mid');
  } else {
    message.sdp = requireString(record, 'sdp');
  }
  return message;
}

function parseError(record: Record<string, unknown>): ErrorMessage {
  const message: ErrorMessage = {
    type: 'error',
    code: requireNumber(record, 'code'),
    message: requireString(record, 'message'),
  };
  const to = optionalString(record, 'to');
  if (to !== undefined) message.to = to;
  const connection = optionalString(record, 'connection');
  if (connection !== undefined) message.connection = connection;
  return message;
}

function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string') {
    throw new RelayMessageError(`Field '${field}' must be a string.`);
  }
  return value;
}

function optionalString(
  record: Record<string, unknown>,
  field: string,
): string | undefined {
  return record[field] === undefined ? undefined : requireString(record, field);
}

function requireId(record: Record<string, unknown>, field: string): string {
  const value = requireString(record, field);
  if (value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new RelayMessageError(
      `Field '${field}' must be an id of 1 to ${MAX_ID_LENGTH} characters.`,
    );
  }
  return value;
}

function requireNumber(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RelayMessageError(`Field '${field}' must be a finite number.`);
  }
  return value;
}

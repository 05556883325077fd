import { SerializationError } from '../errors.js';

/**
 * The wire format of the default codec: a two-character ASCII identifier, a
 * newline, then the body. `BS` and `US` are the identifiers of upstream
 * (Python) ProxyStore, so both languages read each other's bytes and strings.
 */
export const FormatId = {
  /** Raw bytes (`Uint8Array`/`Buffer`); upstream's current id. */
  bytes: 'BS',
  /** A string as UTF-8; upstream's current id. */
  string: 'US',
  /** Raw bytes, upstream before v0.7 (read only). */
  legacyBytes: '01',
  /** A string as UTF-8, upstream before v0.7 (read only). */
  legacyString: '02',
  /** Any other value through `node:v8` (structured-clone fidelity). */
  v8: 'V8',
  /** As `V8`, with the proxies inside the value written as references. */
  v8References: 'VR',
} as const;

export type FormatId = (typeof FormatId)[keyof typeof FormatId];

/** Ids of upstream formats that only Python can read (pickle and friends). */
const PYTHON_ONLY_IDS: ReadonlyMap<string, string> = new Map([
  ['PK', 'pickle'],
  ['CP', 'cloudpickle'],
  ['NP', 'numpy'],
  ['PD', 'pandas'],
  ['PL', 'polars'],
  ['03', 'pickle'],
  ['04', 'cloudpickle'],
]);

/** Length of `ID + '\n'`. */
export const HEADER_LENGTH = 3;

const NEWLINE = 0x0a;

/**
 * Writes `id + '\n'` at the start of `target`.
 *
 * @param target - at least {@link HEADER_LENGTH} bytes long.
 * @param id - two ASCII characters.
 */
export function writeHeader(target: Uint8Array, id: string): void {
  target[0] = id.charCodeAt(0);
  target[1] = id.charCodeAt(1);
  target[2] = NEWLINE;
}

/**
 * Reads the identifier of a payload.
 *
 * @throws {@link SerializationError} when the payload does not start with two
 * ASCII characters and a newline.
 */
export function readHeader(data: Uint8Array): string {
  const ok =
    data.length >= HEADER_LENGTH &&
    data[2] === NEWLINE &&
    isIdByte(data[0]) &&
    isIdByte(data[1]);

  if (!ok) {
    throw new SerializationError(
      `Data (${data.length} bytes, starting ${preview(data)}) does not ` +
        'have a required identifier: the default deserializer expects two ' +
        'ASCII characters and a newline, as written by serialize(). Use the ' +
        'deserializer that matches the serializer that wrote these bytes.',
    );
  }

  return String.fromCharCode(data[0] as number, data[1] as number);
}

/** The error for a well-formed identifier the default codec cannot read. */
export function unknownIdentifierError(id: string): SerializationError {
  const python = PYTHON_ONLY_IDS.get(id);
  const hint =
    python === undefined
      ? 'It was not written by serialize(); use the deserializer that ' +
        'matches the serializer that wrote these bytes.'
      : `It marks upstream ProxyStore's Python ${python} format, which ` +
        'JavaScript cannot read; have the Python side store bytes or strings.';
  return new SerializationError(
    `Unknown identifier '${id}' for deserialization. ${hint}`,
  );
}

function isIdByte(byte: number | undefined): boolean {
  return byte !== undefined && byte > 0x20 && byte < 0x7f;
}

function preview(data: Uint8Array): string {
  const head = Buffer.from(data.buffer, data.byteOffset, data.length);
  return JSON.stringify(head.subarray(0, 8).toString('latin1'));
}

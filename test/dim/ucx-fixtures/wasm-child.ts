/**
 * Starts UCX in this process, then makes a WebAssembly memory access out of
 * bounds: it must still throw a RuntimeError (UCX must not have replaced
 * V8's signal handling). Prints the outcome as JSON.
 */
import { UCXConnector } from '../../../src/dim/index.js';

// (module (memory 1) (func (export "f") (result i32) i32.const 100000 i32.load))
const WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
  0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05,
  0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0xa0, 0x8d,
  0x06, 0x28, 0x02, 0x00, 0x0b,
]);

/** The bit of the WebAssembly API used here (not in the ES2023 lib). */
interface Wasm {
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm };

const connector = new UCXConnector();
const key = await connector.put(new Uint8Array([1, 2, 3]));
const got = await connector.get(key);

const { instance } = await WebAssembly.instantiate(WASM);
const read = instance.exports['f'] as () => number;
let trap = 'none';
try {
  read();
} catch (error) {
  trap = (error as Error).name;
}

await connector.close();
process.stdout.write(JSON.stringify({ got: got === null ? null : [...got], trap }));

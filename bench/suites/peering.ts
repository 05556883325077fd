/**
 * Peering: `get` of an object that another endpoint (a child process) owns,
 * over the WebRTC peer connection, against raw data-channel throughput
 * between the same two processes (node-datachannel, one reliable channel,
 * the same 4 MiB / 1 MiB bufferedAmount window, no framing or reassembly).
 * Target: at least 0.8 of raw, and at least 40 MB/s at 64 MiB.
 *
 * The same file is the child process when run with `--peering-child`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { DataChannel, PeerConnection } from 'node-datachannel';

import { loadDataChannel } from '../../src/endpoint/peering/optional-deps.js';
import { PeerManager } from '../../src/endpoint/peering/peer-manager.js';
import { RelayServer } from '../../src/endpoint/peering/relay-server.js';
import { type BenchContext, fmtSize, MiB, standardSizes } from '../harness.js';

const OWNER = 'bench-peer-owner';
const ASKER = 'bench-peer-asker';
const HIGH = 4 * MiB;
const LOW = MiB;
const RTC = { iceServers: [] as string[], bindAddress: '127.0.0.1' };

/** Signalling between the two processes for the raw channel (over IPC). */
type RawSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: string; mid: string }
  | { type: 'ready' }
  | { type: 'stop' };

export const name = 'peering';

export default async function run(ctx: BenchContext): Promise<void> {
  const relay = await RelayServer.start({ port: 0 });
  const child = spawnChild(relay.url);
  const asker = new PeerManager({ endpointId: ASKER, relayAddress: relay.url });
  let raw: RawSide | undefined;

  try {
    await nextSignal(child, 'ready');
    await asker.start();
    raw = await openRaw(child);

    for (const size of standardSizes(ctx.quick)) {
      const key = `object-${size}`;
      await asker.request(OWNER, { op: 'set', key, data: randomBytes(size) });

      const row = await ctx.compare({
        group: 'peer get vs raw data channel',
        size,
        metric: 'throughput',
        // Small objects measure latency (one request and one reply), where
        // the fixed cost of framing and dispatch shows; the target is about
        // throughput, so it applies from 1 MiB up.
        ...(size >= MiB ? { target: { min: 0.8 } } : {}),
        a: { label: 'raw datachannel', fn: () => raw?.fetch(size) },
        b: { label: 'PeerManager get', fn: () => getExact(asker, key, size) },
      });
      if (size >= 64 * MiB) {
        const mbps = row.bMBps ?? 0;
        const met = mbps >= 40 ? 'met' : 'NOT met';
        ctx.note(
          `peer get @ ${fmtSize(size)}`,
          `${mbps.toFixed(1)} MB/s (target >= 40 MB/s: ${met})`,
        );
      }
    }
  } finally {
    raw?.close();
    await asker.close();
    await stopChild(child);
    await relay.close();
  }
}

async function getExact(
  asker: PeerManager,
  key: string,
  size: number,
): Promise<void> {
  const req = { op: 'get', key } as const;
  const res = await asker.request(OWNER, req, { timeoutMs: 120_000 });
  if (!res.ok || res.data?.byteLength !== size) {
    const got = res.ok ? `${res.data?.byteLength} bytes` : res.message;
    throw new Error(`get of ${key} returned ${got}, not ${size} bytes.`);
  }
}

function spawnChild(relayUrl: string): ChildProcess {
  const script = fileURLToPath(import.meta.url);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return spawn(
    process.execPath,
    ['--import', 'tsx', script, '--peering-child', relayUrl],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ type: 'stop' } satisfies RawSignal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function nextSignal(
  child: ChildProcess,
  type: RawSignal['type'],
): Promise<RawSignal> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: RawSignal) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = () => {
      reject(new Error(`The bench child exited before '${type}'.`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

interface RawSide {
  fetch(size: number): Promise<void>;
  close(): void;
}

/** The asking side of the raw baseline: offers one channel, counts bytes. */
async function openRaw(child: ChildProcess): Promise<RawSide> {
  const native = await loadDataChannel();
  const pc = new native.PeerConnection('raw-asker', RTC);
  const held: RawSignal[] = [];
  let answered = false;

  pc.onLocalDescription((sdp, type) => child.send({ type, sdp }));
  pc.onLocalCandidate((candidate, mid) => {
    const signal: RawSignal = { type: 'candidate', candidate, mid };
    if (answered) child.send(signal);
    else held.push(signal);
  });
  child.on('message', (message: RawSignal) => {
    if (message.type === 'answer') {
      pc.setRemoteDescription(message.sdp, 'answer');
      answered = true;
      for (const signal of held.splice(0)) child.send(signal);
    } else if (message.type === 'candidate') {
      pc.addRemoteCandidate(message.candidate, message.mid);
    }
  });

  const dc = pc.createDataChannel('raw');
  await new Promise<void>((resolve) => dc.onOpen(resolve));

  let expected = 0;
  let received = 0;
  let done: (() => void) | undefined;
  dc.onMessage((message) => {
    received += typeof message === 'string' ? message.length : message.byteLength;
    if (received >= expected) done?.();
  });

  return {
    fetch(size) {
      expected = size;
      received = 0;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      dc.sendMessage(String(size));
      return finished;
    },
    close() {
      dc.close();
      pc.close();
    },
  };
}

/** The child: endpoint OWNER's PeerManager, plus the raw answering side. */
async function runChild(relayUrl: string): Promise<void> {
  const send = (message: RawSignal) => process.send?.(message);
  const objects = new Map<string, Buffer>();
  const owner = new PeerManager({ endpointId: OWNER, relayAddress: relayUrl });
  owner.onRequest(async (_from, req) => {
    if (req.op === 'set') objects.set(req.key, Buffer.from(req.data ?? []));
    if (req.op === 'get') return { ok: true, data: objects.get(req.key) ?? null };
    return { ok: true, exists: objects.has(req.key) };
  });
  await owner.start();

  const native = await loadDataChannel();
  const keep: DataChannel[] = [];
  const queued: { candidate: string; mid: string }[] = [];
  let pc: PeerConnection | undefined;

  process.on('message', (message: RawSignal) => {
    if (message.type === 'offer') {
      pc = new native.PeerConnection('raw-owner', RTC);
      pc.onLocalDescription((sdp, type) => send({ type: type as 'answer', sdp }));
      pc.onLocalCandidate((candidate, mid) => {
        send({ type: 'candidate', candidate, mid });
      });
      pc.onDataChannel((dc) => {
        keep.push(dc);
        serveRaw(dc);
      });
      pc.setRemoteDescription(message.sdp, 'offer');
      for (const c of queued.splice(0)) pc.addRemoteCandidate(c.candidate, c.mid);
    } else if (message.type === 'candidate') {
      if (pc === undefined) queued.push(message);
      else pc.addRemoteCandidate(message.candidate, message.mid);
    } else if (message.type === 'stop') {
      pc?.close();
      owner.close().finally(() => process.exit(0));
    }
  });
  send({ type: 'ready' });
}

/** Answers each text message `N` with N bytes, sent with backpressure. */
function serveRaw(dc: DataChannel): void {
  const chunk = randomBytes(Math.max(1024, dc.maxMessageSize() || 65536));
  let wake: (() => void) | undefined;
  dc.setBufferedAmountLowThreshold(LOW);
  dc.onBufferedAmountLow(() => wake?.());

  dc.onMessage(async (message) => {
    const size = Number(String(message));
    for (let sent = 0; sent < size; ) {
      while (dc.bufferedAmount() > HIGH) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      const length = Math.min(chunk.length, size - sent);
      const body = length === chunk.length ? chunk : chunk.subarray(0, length);
      dc.sendMessageBinary(body);
      sent += length;
    }
  });
}

if (process.argv.includes('--peering-child')) {
  const relayUrl = process.argv[process.argv.indexOf('--peering-child') + 1] ?? '';
  runChild(relayUrl).catch((error: unknown) => {
    process.stderr.write(`bench child failed: ${String(error)}\n`);
    process.exit(1);
  });
}

/** Test-side handle of a child UCX DIM peer process (see peer.ts). */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { PeerCommand, PeerReply } from './peer.js';

const PEER_SCRIPT = fileURLToPath(new URL('./peer.ts', import.meta.url));

/** Longest wait for a child to start or to answer one command. */
const WAIT_MS = 60_000;

/** UCX over TCP on the loopback device only, for this process and children. */
export const UCX_LOOPBACK_ENV = { UCX_TLS: 'tcp', UCX_NET_DEVICES: 'lo' } as const;

export class UcxPeerProcess {
  readonly child: ChildProcess;
  #nextRid = 1;
  readonly #waiting = new Map<number, (reply: PeerReply) => void>();

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: { rid?: number; reply?: PeerReply }) => {
      if (message.rid === undefined || message.reply === undefined) return;
      this.#waiting.get(message.rid)?.(message.reply);
      this.#waiting.delete(message.rid);
    });
    child.on('exit', () => {
      const gone: PeerReply = { ok: false, error: { name: 'ChildExited', message: 'exited' } };
      for (const settle of this.#waiting.values()) settle(gone);
      this.#waiting.clear();
    });
  }

  /** Forks a peer and waits until it is ready. */
  static async start(env: Record<string, string> = {}): Promise<UcxPeerProcess> {
    const child = fork(PEER_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...UCX_LOOPBACK_ENV, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const peer = new UcxPeerProcess(child);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('peer did not start')), WAIT_MS);
        child.on('message', (m: { ready?: boolean }) => {
          if (m.ready !== true) return;
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`peer exited early (code ${code})`));
        });
      });
    } catch (error) {
      await peer.kill();
      throw error;
    }
    return peer;
  }

  /** Sends a command and waits (bounded) for its reply. */
  call(command: PeerCommand): Promise<PeerReply> {
    const rid = this.#nextRid++;
    return new Promise<PeerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(rid);
        reject(new Error(`peer did not answer ${command.op} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.#waiting.set(rid, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ rid, command });
    });
  }

  /** Like {@link call}, but throws when the peer reports an error. */
  async ok(command: PeerCommand): Promise<PeerReply> {
    const reply = await this.call(command);
    if (!reply.ok) {
      throw new Error(`peer ${command.op} failed: ${reply.error?.name}: ${reply.error?.message}`);
    }
    return reply;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the child. */
  pause(paused: boolean): void {
    if (this.alive) this.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Kills the child (SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Asks the child to close its store and exit; kills it if it does not. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.pause(false);
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGKILL');
    await exited;
    clearTimeout(timer);
  }
}

import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Process flags that must not reach a worker thread: they describe how this
 * process took its main script (`--input-type`, `-e`, `-p`, `--test`) or
 * attach debuggers, and make a worker fail or hang at start-up.
 */
const PROCESS_ONLY_FLAG =
  /^(--input-type|--eval|-e|--print|-p|--test|--watch|--inspect|--debug)(=|$|-)/;

/**
 * This process's `execArgv` without the flags a worker thread cannot take
 * (see {@link PROCESS_ONLY_FLAG}); loader flags such as `--import` stay.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !PROCESS_ONLY_FLAG.test(flag));
}

/**
 * URL of the module `name` next to the module at `base`, with the same
 * extension: `<name>.ts` when running from sources under a TypeScript
 * loader (tests, benchmarks), `<name>.js` when built.
 *
 * @param base - `import.meta.url` of the calling module.
 */
export function siblingModuleUrl(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./${name}.${ext}`, base);
}

/**
 * URL of tsx's ESM register API when the module at `base` is a `.ts`
 * source (Node 20's tsx hooks do not reach worker threads, so a worker
 * must register them itself); undefined when built or when tsx is not
 * found.
 */
export function typeScriptLoaderUrl(base: string): string | undefined {
  if (!base.endsWith('.ts')) return undefined;
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

/**
 * Starts a worker thread on a module next to the calling one, given its
 * name without extension. Built code runs `<name>.js` directly. Source code
 * run under tsx runs `<name>.ts`; the worker first registers tsx's loader,
 * since a worker thread does not inherit it.
 *
 * @param base - `import.meta.url` of the calling module.
 */
export function startModuleWorker(base: string, name: string, options: WorkerOptions): Worker {
  const entry = siblingModuleUrl(base, name);
  const tsx = typeScriptLoaderUrl(base);
  const withArgv = { execArgv: workerExecArgv(), ...options };
  if (tsx === undefined) return new Worker(entry, withArgv);

  const code =
    `import(${JSON.stringify(tsx)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...withArgv, eval: true });
}

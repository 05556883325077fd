import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to the calling one, given its
 * name without extension. Built code runs `<name>.js` directly. Source code
 * run under tsx (tests, benchmarks) runs `<name>.ts`; the worker first
 * registers tsx's loader, since a worker thread does not inherit it.
 *
 * @param base - `import.meta.url` of the calling module.
 */
export function startModuleWorker(base: string, name: string, options: WorkerOptions): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);

  const entry = new URL(`./${name}.ts`, base).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(tsx)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { ...options, eval: true });
}

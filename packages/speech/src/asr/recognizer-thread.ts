import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import {
  ErrorCode,
  PIPELINE_SAMPLE_RATE,
  type RecognitionOptions,
  type RecognitionStream,
  type SpeechRecognizer,
  type Transcript,
  VisemoError,
} from '@visemo/core';
import { startTypeScriptWorker } from '../typescript-worker.js';
import type { DroppedPhrase } from './grammar.js';
import type { GrammarRecognizerOptions } from './grammar-recognizer.js';
import { SpeakerMeans } from './speaker-means.js';

/** Messages to a recognizer worker; `stream` numbers the streams of the whole pool. */
export type ToRecognizerWorker =
  /** `mean`: the speaker's cepstral mean as another worker last left it. */
  | { type: 'start'; stream: number; speaker?: string; mean?: string }
  | { type: 'audio'; stream: number; samples: Int16Array }
  | { type: 'finish'; stream: number }
  | { type: 'cancel'; stream: number };

export interface WorkerError {
  code: ErrorCode;
  message: string;
}

export type FromRecognizerWorker =
  | { type: 'ready'; jsgf: string; dropped: DroppedPhrase[] }
  | { type: 'failed'; error: WorkerError }
  | { type: 'partial'; stream: number; text: string; complete: boolean; continues: boolean }
  /** `mean`: the speaker's cepstral mean after this utterance. */
  | { type: 'result'; stream: number; transcript: Transcript; mean?: string }
  | { type: 'error'; stream: number; error: WorkerError };

export interface RecognizerThreadsOptions extends GrammarRecognizerOptions {
  /** Worker threads, each with its own SoundSwallower heap. Default: 2, or fewer cores if fewer. */
  threads?: number;
}

/**
 * Audio sent to a worker at a time, in samples: the decoder works in 100 ms blocks anyway, so
 * smaller messages would not bring results or partials sooner.
 */
const SEND_BLOCK = 1600;
/** Consecutive worker deaths without one coming up in between, after which none is replaced. */
const MAX_CRASHES = 3;

const WORKER_ENTRY = new URL('./recognizer-worker.ts', import.meta.url);

interface Thread {
  worker: Worker;
  ready: boolean;
  streams: Map<number, ThreadStream>;
  /**
   * Results awaited from this worker. Only they keep the process alive: a stream left open by a
   * caller that went away must not.
   */
  awaited: number;
}

/**
 * `GrammarRecognizer` on a pool of worker threads. In the calling thread, decoding with the
 * out-of-grammar phone loop and growing the decoder pool stalled the event loop for up to 0.7–0.9 s
 * with 8 streams, and for 0.5–1.5 s in the browser tests under load, holding back every other
 * session's audio, VAD and barge-in (decision 0081). Here
 * `write` only copies the samples and posts them; each worker runs its own `GrammarRecognizer`
 * (same options, same results) and posts back a partial after each decoded block and the
 * transcript at `finish`. A stream stays on the worker that had the fewest streams when it
 * started. A worker that dies fails its own streams with `provider_failed` and is replaced.
 */
export class RecognizerThreads implements SpeechRecognizer {
  readonly name = 'soundswallower-grammar';
  readonly sampleRate = PIPELINE_SAMPLE_RATE;
  /** Phrases and slot values left out because the dictionary cannot pronounce them. */
  readonly dropped: readonly DroppedPhrase[];
  /** The JSGF grammar the decoders use (with the out-of-grammar phone loop when enabled). */
  readonly jsgf: string;

  private readonly threads: Thread[] = [];
  /** Each speaker's cepstral mean, so any worker can start from it (see GrammarRecognizer.start). */
  private readonly speakerMeans = new SpeakerMeans();
  private nextStream = 1;
  private crashes = 0;
  private closed = false;

  private constructor(
    private readonly workerOptions: GrammarRecognizerOptions,
    first: Extract<FromRecognizerWorker, { type: 'ready' }>,
  ) {
    this.jsgf = first.jsgf;
    this.dropped = first.dropped;
  }

  /**
   * Starts the workers and waits until each has built its recognizer; a grammar the recognizer
   * refuses rejects here with the recognizer's own error (e.g. `agent_invalid`).
   * `maxDecoders` is shared out between the threads; `warmDecoders` applies to each.
   */
  static async create(options: RecognizerThreadsOptions): Promise<RecognizerThreads> {
    const { threads: requested, ...rest } = options;
    const count = requested ?? Math.min(2, availableParallelism());
    if (!(Number.isInteger(count) && count >= 1)) {
      throw new VisemoError(
        ErrorCode.ProviderRejected,
        `the recognizer needs at least one thread, got ${count}`,
      );
    }
    const workerOptions: GrammarRecognizerOptions = {
      ...rest,
      maxDecoders: Math.ceil((rest.maxDecoders ?? 16) / count),
    };
    const started = Array.from({ length: count }, () => spawnWorker(workerOptions));
    let answers: Extract<FromRecognizerWorker, { type: 'ready' }>[];
    try {
      answers = await Promise.all(started.map((s) => s.ready));
    } catch (error) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw error;
    }
    const recognizer = new RecognizerThreads(workerOptions, answers[0] as (typeof answers)[number]);
    for (const { worker } of started) recognizer.adopt(worker, true);
    return recognizer;
  }

  start(options: RecognitionOptions = {}): RecognitionStream {
    const id = this.nextStream++;
    const thread = this.closed ? undefined : this.leastBusy();
    const { speaker } = options;
    const stream = new ThreadStream(id, thread, options.signal, speaker, (s) => this.release(s));
    if (thread && stream.open) {
      thread.streams.set(id, stream);
      const mean = speaker === undefined ? undefined : this.speakerMeans.get(speaker);
      post(thread, {
        type: 'start',
        stream: id,
        ...(speaker === undefined ? {} : { speaker }),
        ...(mean ? { mean } : {}),
      });
    }
    return stream;
  }

  /** Worker threads alive, those of them ready (a replacement loads for ~0.5 s), and each one's streams. */
  stats(): { threads: number; ready: number; streams: number[] } {
    return {
      threads: this.threads.length,
      ready: this.threads.filter((t) => t.ready).length,
      streams: this.threads.map((t) => t.streams.size),
    };
  }

  /** Stops the workers; streams still open fail with `session_closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    for (const thread of threads) {
      for (const stream of [...thread.streams.values()]) {
        stream.fail(new VisemoError(ErrorCode.SessionClosed, 'the recognizer is closed'));
      }
    }
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** @internal The worker threads, for tests that make one die. */
  workers(): readonly Worker[] {
    return this.threads.map((t) => t.worker);
  }

  private leastBusy(): Thread | undefined {
    let best: Thread | undefined;
    for (const thread of this.threads) {
      // A replacement still loading takes streams only when no worker is ready: it answers late.
      if (
        !best ||
        (thread.ready && !best.ready) ||
        (thread.ready === best.ready && thread.streams.size < best.streams.size)
      ) {
        best = thread;
      }
    }
    return best;
  }

  private adopt(worker: Worker, ready: boolean): void {
    const thread: Thread = { worker, ready, streams: new Map(), awaited: 0 };
    this.threads.push(thread);
    worker.on('message', (message: FromRecognizerWorker) => this.receive(thread, message));
    worker.on('error', (error) => this.crash(thread, error));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    worker.on('exit', (code) =>
      this.crash(thread, new Error(`the recognizer worker exited with code ${code}`)),
    );
  }

  private receive(thread: Thread, message: FromRecognizerWorker): void {
    switch (message.type) {
      case 'ready':
        thread.ready = true;
        this.crashes = 0;
        return;
      case 'failed':
        // A replacement could not build its recognizer: treat it as a crash.
        void thread.worker.terminate();
        this.crash(thread, toError(message.error));
        return;
      case 'partial':
        thread.streams.get(message.stream)?.setPartial(message.text, message.complete, message.continues);
        return;
      case 'result': {
        const stream = thread.streams.get(message.stream);
        if (stream?.speaker !== undefined && message.mean)
          this.speakerMeans.set(stream.speaker, message.mean);
        stream?.resolve(message.transcript);
        return;
      }
      case 'error':
        thread.streams.get(message.stream)?.fail(toError(message.error));
        return;
    }
  }

  private crash(thread: Thread, cause: unknown): void {
    const index = this.threads.indexOf(thread);
    if (index < 0) return;
    this.threads.splice(index, 1);
    const failure = new VisemoError(ErrorCode.ProviderFailed, 'the speech recognition worker stopped', {
      cause,
    });
    for (const stream of [...thread.streams.values()]) stream.fail(failure);
    thread.streams.clear();
    if (this.closed) return;
    this.crashes++;
    if (this.crashes > MAX_CRASHES) return;
    const replacement = spawnWorker(this.workerOptions);
    // Its 'ready' and 'failed' answers arrive through `receive`, like any other message.
    replacement.ready.catch(() => {});
    this.adopt(replacement.worker, false);
  }

  private release(stream: ThreadStream): void {
    for (const thread of this.threads) {
      if (!thread.streams.delete(stream.id)) continue;
      if (!stream.finishing) post(thread, { type: 'cancel', stream: stream.id });
      return;
    }
  }
}

/** A worker building its recognizer; `ready` settles with its first answer. */
function spawnWorker(options: GrammarRecognizerOptions): {
  worker: Worker;
  ready: Promise<Extract<FromRecognizerWorker, { type: 'ready' }>>;
} {
  const worker = startTypeScriptWorker(WORKER_ENTRY, { workerData: options });
  const ready = new Promise<Extract<FromRecognizerWorker, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (message: FromRecognizerWorker) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(toError(message.error));
      else return;
      worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
    worker.once('error', (error) =>
      reject(
        new VisemoError(ErrorCode.ProviderFailed, 'the speech recognition worker failed to start', {
          cause: error,
        }),
      ),
    );
    worker.once('exit', (code) =>
      reject(
        new VisemoError(ErrorCode.ProviderFailed, `the speech recognition worker exited with code ${code}`),
      ),
    );
  });
  return { worker, ready };
}

function post(thread: Thread, message: ToRecognizerWorker, transfer: ArrayBuffer[] = []): void {
  thread.worker.postMessage(message, transfer);
}

function toError(error: WorkerError): VisemoError {
  return new VisemoError(error.code, error.message);
}

type ThreadStreamState = 'open' | 'finishing' | 'done' | 'cancelled' | 'failed';

class ThreadStream implements RecognitionStream {
  private state: ThreadStreamState = 'open';
  private latestPartial = '';
  private latestComplete = false;
  private latestContinues = false;
  private pending: Int16Array[] = [];
  private pendingSamples = 0;
  private failure: VisemoError | undefined;
  private settle: { resolve: (t: Transcript) => void; reject: (e: unknown) => void } | undefined;
  private readonly onAbort = () => this.cancel();

  constructor(
    readonly id: number,
    private readonly thread: Thread | undefined,
    private readonly signal: AbortSignal | undefined,
    readonly speaker: string | undefined,
    private readonly onRelease: (stream: ThreadStream) => void,
  ) {
    if (signal?.aborted) {
      this.state = 'cancelled';
      return;
    }
    if (!thread) {
      this.state = 'failed';
      this.failure = new VisemoError(ErrorCode.ProviderFailed, 'no speech recognition worker is running');
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** True once the worker has been asked for the result: it forgets the stream by itself. */
  get finishing(): boolean {
    return this.state !== 'open' && this.state !== 'cancelled';
  }

  write(samples: Int16Array): void {
    if (this.state === 'open') {
      // A copy: the caller may reuse its buffer, and the copy's buffer is handed to the worker.
      this.pending.push(samples.slice());
      this.pendingSamples += samples.length;
      if (this.pendingSamples >= SEND_BLOCK) this.send();
      return;
    }
    if (this.state === 'finishing' || this.state === 'done') {
      throw new VisemoError(ErrorCode.Internal, 'write after finish');
    }
    // Cancelled or failed: the audio has nowhere to go; finish() reports why.
  }

  partial(): string {
    return this.state === 'open' ? this.latestPartial : '';
  }

  complete(): boolean {
    return this.state === 'open' && this.latestComplete;
  }

  continues(): boolean {
    return this.state === 'open' && this.latestContinues;
  }

  finish(): Promise<Transcript> {
    if (this.state === 'cancelled') return Promise.reject(abortError());
    if (this.state === 'failed') return Promise.reject(this.failure);
    if (this.state !== 'open') {
      return Promise.reject(new VisemoError(ErrorCode.Internal, 'finish called twice'));
    }
    this.send();
    this.state = 'finishing';
    const thread = this.thread as Thread;
    if (thread.awaited++ === 0) thread.worker.ref();
    return new Promise<Transcript>((resolve, reject) => {
      this.settle = { resolve, reject };
      post(thread, { type: 'finish', stream: this.id });
    });
  }

  cancel(): void {
    if (this.state === 'done' || this.state === 'cancelled' || this.state === 'failed') return;
    const waiting = this.settle;
    this.state = 'cancelled';
    this.pending = [];
    this.end();
    waiting?.reject(abortError());
  }

  /** @internal The worker's latest hypothesis, and whether it is a whole phrase. */
  setPartial(text: string, complete: boolean, continues: boolean): void {
    this.latestPartial = text;
    this.latestComplete = complete;
    this.latestContinues = continues;
  }

  /** @internal The worker's transcript. */
  resolve(transcript: Transcript): void {
    if (this.state !== 'finishing') return;
    this.state = 'done';
    const { resolve } = this.settle as { resolve: (t: Transcript) => void };
    this.end();
    resolve(transcript);
  }

  /** @internal The worker failed this stream, died, or the recognizer was closed. */
  fail(error: VisemoError): void {
    if (this.state === 'done' || this.state === 'cancelled' || this.state === 'failed') return;
    const waiting = this.settle;
    this.state = 'failed';
    this.failure = error;
    this.pending = [];
    this.end();
    waiting?.reject(error);
  }

  private end(): void {
    if (this.settle && this.thread && --this.thread.awaited === 0) this.thread.worker.unref();
    this.settle = undefined;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onRelease(this);
  }

  private send(): void {
    if (this.pendingSamples === 0 || !this.thread) return;
    let samples: Int16Array;
    if (this.pending.length === 1) samples = this.pending[0] as Int16Array;
    else {
      samples = new Int16Array(this.pendingSamples);
      let offset = 0;
      for (const chunk of this.pending) {
        samples.set(chunk, offset);
        offset += chunk.length;
      }
    }
    this.pending = [];
    this.pendingSamples = 0;
    post(this.thread, { type: 'audio', stream: this.id, samples }, [samples.buffer as ArrayBuffer]);
  }
}

function abortError(): VisemoError {
  return new VisemoError(ErrorCode.Aborted, 'recognition was cancelled');
}

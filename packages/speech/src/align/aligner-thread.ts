import { Worker } from 'node:worker_threads';
import type { PcmAudio } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { Segment } from 'soundswallower';
import {
  type Alignment,
  type ForcedAlignerOptions,
  fromSegments,
  type PronouncedWord,
  pronounced,
  soundswallowerPaths,
} from './forced-aligner.js';
import { speakableWords } from './letters.js';

type ToWorker =
  | { id: number; type: 'lookup'; words: string[] }
  | { id: number; type: 'align'; add: [string, string][]; text: string; pcm: Float32Array };
type Request = ToWorker extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;
type FromWorker =
  | { id: 0; type: 'ready' }
  | { id: 0; type: 'failed'; error: string }
  | { id: number; type: 'lookup'; prons: (string | null)[] }
  | { id: number; type: 'align'; segments: Segment[] }
  | { id: number; type: 'error'; error: string };

/**
 * The worker's whole program as plain JavaScript. It is a string, not a function's `toString()`,
 * because test runners and loaders rewrite `import()` and wrap functions in the code they compile.
 * It loads SoundSwallower, then answers dictionary look-ups and alignments in order.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  let decoder;
  try {
    const { default: createModule } = await import(workerData.moduleUrl);
    const ss = await createModule({ modelBase: workerData.modelBase });
    decoder = new ss.Decoder({ hmm: ss.get_model_path(workerData.model), loglevel: 'FATAL', samprate: 16000 });
    await decoder.initialize();
  } catch (error) {
    parentPort.postMessage({ id: 0, type: 'failed', error: String(error) });
    return;
  }
  parentPort.postMessage({ id: 0, type: 'ready' });
  parentPort.on('message', (m) => {
    try {
      if (m.type === 'lookup') {
        parentPort.postMessage({ id: m.id, type: 'lookup', prons: m.words.map((w) => decoder.lookup_word(w)) });
        return;
      }
      if (m.add.length > 0) decoder.add_words(...m.add);
      decoder.set_align_text(m.text);
      decoder.start();
      decoder.process_audio(m.pcm, false, true);
      decoder.stop();
      parentPort.postMessage({ id: m.id, type: 'align', segments: decoder.get_alignment({ align_level: 1 }).w ?? [] });
    } catch (error) {
      parentPort.postMessage({ id: m.id, type: 'error', error: String(error) });
    }
  });
})();
`;

/**
 * `ForcedAligner` on a worker thread: the same alignment, but the 30–40 ms of CPU per second of
 * audio happen off the event loop, so a server keeps streaming other sessions' audio meanwhile.
 * Calls queue in order on the one worker.
 */
export class AlignerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (m: FromWorker) => void; reject: (e: unknown) => void }
  >();
  private readonly added = new Set<string>();
  private nextId = 1;
  private dead: VisemoError | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const job = this.pending.get(m.id);
      if (!job) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.type === 'error')
        job.reject(new VisemoError(ErrorCode.BadAudio, 'forced alignment failed', { cause: m.error }));
      else job.resolve(m);
    });
    const fail = (error: unknown) => {
      this.dead = new VisemoError(ErrorCode.Internal, 'the alignment worker stopped', { cause: error });
      for (const job of this.pending.values()) job.reject(this.dead);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(`exit ${code}`));
  }

  static async create(options: ForcedAlignerOptions = {}): Promise<AlignerThread> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...soundswallowerPaths(), model: options.model ?? 'en-us' },
    });
    const first = await new Promise<FromWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.type !== 'ready') {
      await worker.terminate();
      throw new VisemoError(ErrorCode.Internal, 'the alignment worker could not load SoundSwallower', {
        cause: first.type === 'failed' ? first.error : first,
      });
    }
    return new AlignerThread(worker);
  }

  private call(message: Request, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async pronounce(text: string): Promise<PronouncedWord[]> {
    const words = speakableWords(text);
    const answer = await this.call({ type: 'lookup', words });
    return pronounced(words, answer.type === 'lookup' ? answer.prons : []);
  }

  /** Aligns 16 kHz mono audio with the text it speaks. */
  async align(audio: PcmAudio, text: string): Promise<Alignment> {
    if (audio.sampleRate !== 16000) {
      throw new VisemoError(ErrorCode.BadAudio, `the aligner takes 16 kHz audio, not ${audio.sampleRate} Hz`);
    }
    const words = await this.pronounce(text);
    if (words.length === 0 || audio.samples.length === 0) return { words: [], phones: [], visemes: [] };
    const add = words
      .filter((w) => !w.inDictionary && !this.added.has(w.word))
      .map((w): [string, string] => [w.word, w.phones.join(' ')]);
    for (const [w] of add) this.added.add(w);
    const pcm = new Float32Array(audio.samples.length);
    for (let i = 0; i < pcm.length; i++) pcm[i] = (audio.samples[i] as number) / 32768;
    const answer = await this.call({ type: 'align', add, text: words.map((w) => w.word).join(' '), pcm }, [
      pcm.buffer,
    ]);
    const alignment = fromSegments(answer.type === 'align' ? answer.segments : []);
    if (alignment.words.length === 0) {
      throw new VisemoError(ErrorCode.BadAudio, 'forced alignment found no path through the text');
    }
    return alignment;
  }

  async close(): Promise<void> {
    this.dead = new VisemoError(ErrorCode.Internal, 'the aligner was closed');
    await this.worker.terminate();
  }
}

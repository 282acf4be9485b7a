/**
 * The program of one `RecognizerThreads` worker: a `GrammarRecognizer` of its own, fed by
 * messages. Started through `startTypeScriptWorker`, so no top-level await here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, type RecognitionStream, VisemoError } from '@visemo/core';
import { GrammarRecognizer, type GrammarRecognizerOptions } from './grammar-recognizer.js';
import type { FromRecognizerWorker, ToRecognizerWorker, WorkerError } from './recognizer-thread.js';

interface Entry {
  stream: RecognitionStream;
  speaker: string | undefined;
  /** The partial last posted, so an unchanged one is not posted again. */
  partial: string;
  complete: boolean;
  continues: boolean;
}

const port = parentPort;
if (!port) throw new Error('recognizer-worker.ts runs only as a worker thread');

const streams = new Map<number, Entry>();
let recognizer: GrammarRecognizer | undefined;
/** Messages that came while the recognizer was being built, handled in order once it is. */
const early: ToRecognizerWorker[] = [];

const send = (message: FromRecognizerWorker) => port.postMessage(message);

port.on('message', (message: ToRecognizerWorker) => {
  if (recognizer) handle(recognizer, message);
  else early.push(message);
});

GrammarRecognizer.create(workerData as GrammarRecognizerOptions).then(
  (created) => {
    recognizer = created;
    send({ type: 'ready', jsgf: created.jsgf, dropped: [...created.dropped] });
    for (const message of early.splice(0)) handle(created, message);
  },
  (error: unknown) => send({ type: 'failed', error: describe(error) }),
);

function handle(recognizer: GrammarRecognizer, message: ToRecognizerWorker): void {
  switch (message.type) {
    case 'start': {
      const { speaker, mean } = message;
      if (speaker !== undefined && mean !== undefined) recognizer.setSpeakerMean(speaker, mean);
      const stream = recognizer.start(speaker === undefined ? {} : { speaker });
      streams.set(message.stream, { stream, speaker, partial: '', complete: false, continues: false });
      return;
    }
    case 'audio': {
      const entry = streams.get(message.stream);
      if (!entry) return;
      try {
        entry.stream.write(message.samples);
      } catch (error) {
        streams.delete(message.stream);
        entry.stream.cancel();
        send({ type: 'error', stream: message.stream, error: describe(error) });
        return;
      }
      postPartial(message.stream, entry);
      if (recognizer.stats().waiting > 0) sweepWhileWaiting(recognizer);
      return;
    }
    case 'finish': {
      const entry = streams.get(message.stream);
      if (!entry) return;
      streams.delete(message.stream);
      entry.stream.finish().then(
        (transcript) => {
          const mean = entry.speaker === undefined ? undefined : recognizer.speakerMean(entry.speaker);
          send({ type: 'result', stream: message.stream, transcript, ...(mean ? { mean } : {}) });
        },
        (error: unknown) => send({ type: 'error', stream: message.stream, error: describe(error) }),
      );
      return;
    }
    case 'cancel':
      streams.get(message.stream)?.stream.cancel();
      streams.delete(message.stream);
      return;
    default:
      // A message this program does not know means the two sides disagree: die loudly, the pool
      // replaces the worker.
      throw new Error(`unknown message ${JSON.stringify(message)}`);
  }
}

/** Cheap: the recognizer reads the hypothesis again only after it decoded a new block. */
function postPartial(id: number, entry: Entry): void {
  const partial = entry.stream.partial();
  const complete = entry.stream.complete?.() ?? false;
  const continues = entry.stream.continues?.() ?? false;
  if (partial === entry.partial && complete === entry.complete && continues === entry.continues) return;
  entry.partial = partial;
  entry.complete = complete;
  entry.continues = continues;
  send({ type: 'partial', stream: id, text: partial, complete, continues });
}

let sweeping = false;

/**
 * A stream waiting for a decoder keeps its audio and decodes it all when one comes free, with no
 * message to answer: look at the partials every 20 ms until no stream waits.
 */
function sweepWhileWaiting(recognizer: GrammarRecognizer): void {
  if (sweeping) return;
  sweeping = true;
  setTimeout(() => {
    sweeping = false;
    for (const [id, entry] of streams) postPartial(id, entry);
    if (recognizer.stats().waiting > 0) sweepWhileWaiting(recognizer);
  }, 20);
}

function describe(error: unknown): WorkerError {
  if (error instanceof VisemoError) {
    const cause = error.cause instanceof Error ? error.cause.message : error.cause;
    return { code: error.code, message: cause ? `${error.message}: ${String(cause)}` : error.message };
  }
  return {
    code: ErrorCode.ProviderFailed,
    message: `speech decoding failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}

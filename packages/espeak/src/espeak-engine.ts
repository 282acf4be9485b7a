import { ErrorCode, type EspeakVoice, VisemoError } from '@visemo/core';
import { concatSamples } from '@visemo/speech';

/**
 * eSpeak NG (`@echogarden/espeak-ng-emscripten`, GPL-3.0) run in this thread. The package carries
 * the engine and its voice data (24 MB, every language), so nothing is downloaded.
 */

/** One event eSpeak reports while it speaks; `audio_position` is in ms from the text's start. */
export interface EspeakEvent {
  type: string;
  /** 1-based, in code points of the text given to eSpeak. */
  text_position: number;
  word_length: number;
  audio_position: number;
  /** The phone (IPA) of a `phoneme` event, '' for a pause; the word's number for `word`. */
  id?: string | number;
}

interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(wordsPerMinute: number): void;
  set_pitch(pitch: number): void;
  synthesize(text: string, onData: (samples: Int16Array | null, events: EspeakEvent[]) => void): void;
}

interface EspeakModule {
  eSpeakNGWorker: new () => EspeakWorker;
}

/** Names eSpeak does not take as they are: it finds British English under `en`. */
const ENGINE_VOICE_NAMES: Partial<Record<EspeakVoice, string>> = { 'en-gb': 'en' };

export interface SpeakOptions {
  voice: EspeakVoice;
  /** Words per minute, 80–450; eSpeak's own is 175. */
  rate: number;
  /** Base pitch, 0–99; eSpeak's own is 50. */
  pitch: number;
}

export interface Speech {
  samples: Int16Array;
  sampleRate: number;
  events: EspeakEvent[];
}

export const ESPEAK_SAMPLE_RATE = 22_050;

let loaded: Promise<EspeakWorker> | undefined;

function loadWorker(): Promise<EspeakWorker> {
  loaded ??= import('@echogarden/espeak-ng-emscripten')
    .then(async ({ default: create }) => new ((await create()) as EspeakModule).eSpeakNGWorker())
    .catch((error: unknown) => {
      loaded = undefined;
      throw new VisemoError(ErrorCode.ProviderFailed, 'could not load the eSpeak NG WebAssembly module', {
        cause: error,
      });
    });
  return loaded;
}

/**
 * The one eSpeak instance of the process (its state is global inside the module). `speak` is
 * synchronous and fast: about 4 ms of CPU per second of speech.
 */
export class EspeakEngine {
  private constructor(private readonly worker: EspeakWorker) {}

  static async create(): Promise<EspeakEngine> {
    return new EspeakEngine(await loadWorker());
  }

  speak(text: string, options: SpeakOptions): Speech {
    const name = ENGINE_VOICE_NAMES[options.voice] ?? options.voice;
    if (this.worker.set_voice(name) !== 0) {
      throw new VisemoError(ErrorCode.ProviderFailed, `eSpeak NG could not load its voice "${name}"`);
    }
    this.worker.set_rate(options.rate);
    this.worker.set_pitch(options.pitch);
    const chunks: Int16Array[] = [];
    const events: EspeakEvent[] = [];
    try {
      this.worker.synthesize(text, (samples, chunkEvents) => {
        // The samples are a view of the module's memory, which the next chunk overwrites.
        if (samples && samples.length > 0) chunks.push(samples.slice());
        events.push(...chunkEvents);
      });
    } catch (error) {
      // A trap inside the module leaves its memory in an unknown state: the next call loads anew.
      loaded = undefined;
      throw new VisemoError(ErrorCode.ProviderFailed, 'eSpeak NG failed while speaking', { cause: error });
    }
    return { samples: concatSamples(chunks), sampleRate: ESPEAK_SAMPLE_RATE, events };
  }
}

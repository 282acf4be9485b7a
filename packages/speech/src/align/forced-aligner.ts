import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PcmAudio, PhoneTiming, VisemeCue, WordTiming } from '@visemo/core';
import { ErrorCode, phonesToVisemes, VisemoError } from '@visemo/core';
import createModule, { type Decoder, type Segment, type SoundSwallowerModule } from 'soundswallower';
import { lettersToPhones, speakableWords } from './letters.js';

/** Word, phone and viseme timings for one piece of audio, in ms from its first sample. */
export interface Alignment {
  words: WordTiming[];
  /** Lower-case ARPAbet as Flite prints it; silence is `pau`. */
  phones: PhoneTiming[];
  visemes: VisemeCue[];
}

/** What the aligner (or an estimate) works from: each word with its phones. */
export interface PronouncedWord {
  word: string;
  /** Upper-case ARPAbet without stress, the model's phone set. */
  phones: string[];
  /** False when no dictionary knew the word and the letter rules made the phones up. */
  inDictionary: boolean;
}

let modulePromise: Promise<SoundSwallowerModule> | undefined;

/** Where soundswallower's Node build and its packaged models are. */
export function soundswallowerPaths(): { moduleUrl: string; modelBase: string } {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('soundswallower');
  return { moduleUrl: pathToFileURL(entry).href, modelBase: `${join(dirname(entry), 'model')}/` };
}

/** SoundSwallower's WebAssembly module, loaded once per process with its packaged models. */
function loadModule(): Promise<SoundSwallowerModule> {
  if (!modulePromise) {
    modulePromise = createModule({
      modelBase: soundswallowerPaths().modelBase,
    } as Partial<SoundSwallowerModule>);
  }
  return modulePromise;
}

export interface ForcedAlignerOptions {
  /** Model folder under soundswallower's `model/`; `en-us` (the only English one it ships). */
  model?: string;
}

/**
 * Forced alignment with SoundSwallower (PocketSphinx in WebAssembly): given audio and the text it
 * says, finds when each word and phone is spoken, then maps phones to visemes. Words missing from
 * the CMU dictionary get letter-rule pronunciations. Alignment is synchronous CPU work, about
 * 37 ms per second of audio on one core (docs/lipsync-alignment.md); servers use `AlignerThread`,
 * the same on a worker thread.
 */
export class ForcedAligner {
  private readonly decoder: Decoder;
  private readonly added = new Set<string>();

  private constructor(decoder: Decoder) {
    this.decoder = decoder;
  }

  static async create(options: ForcedAlignerOptions = {}): Promise<ForcedAligner> {
    const soundswallower = await loadModule();
    const decoder = new soundswallower.Decoder({
      hmm: soundswallower.get_model_path(options.model ?? 'en-us'),
      loglevel: 'FATAL',
      samprate: 16000,
    });
    await decoder.initialize();
    return new ForcedAligner(decoder);
  }

  /** The words of `text` with their dictionary (or letter-rule) phones. */
  pronounce(text: string): PronouncedWord[] {
    const words = speakableWords(text);
    return pronounced(
      words,
      words.map((w) => this.decoder.lookup_word(w)),
    );
  }

  /** Aligns 16 kHz mono audio with the text it speaks. */
  align(audio: PcmAudio, text: string): Alignment {
    if (audio.sampleRate !== 16000) {
      throw new VisemoError(ErrorCode.BadAudio, `the aligner takes 16 kHz audio, not ${audio.sampleRate} Hz`);
    }
    const words = this.pronounce(text);
    if (words.length === 0 || audio.samples.length === 0) return { words: [], phones: [], visemes: [] };
    const unknown = words.filter((w) => !w.inDictionary && !this.added.has(w.word));
    if (unknown.length > 0) {
      this.decoder.add_words(...unknown.map((w): [string, string] => [w.word, w.phones.join(' ')]));
      for (const w of unknown) this.added.add(w.word);
    }
    const pcm = new Float32Array(audio.samples.length);
    for (let i = 0; i < pcm.length; i++) pcm[i] = (audio.samples[i] as number) / 32768;
    let result: Segment;
    try {
      this.decoder.set_align_text(words.map((w) => w.word).join(' '));
      this.decoder.start();
      this.decoder.process_audio(pcm, false, true);
      this.decoder.stop();
      result = this.decoder.get_alignment({ align_level: 1 });
    } catch (error) {
      throw new VisemoError(ErrorCode.BadAudio, 'forced alignment failed', { cause: error });
    }
    const alignment = fromSegments(result.w ?? []);
    if (alignment.words.length === 0) {
      throw new VisemoError(ErrorCode.BadAudio, 'forced alignment found no path through the text');
    }
    return alignment;
  }

  /** Frees the decoder's WebAssembly memory; the aligner is unusable afterwards. */
  delete(): void {
    this.decoder.delete();
  }
}

/** Words with their dictionary pronunciation (`null` when unknown: letter rules instead). */
export function pronounced(words: readonly string[], lookups: readonly (string | null)[]): PronouncedWord[] {
  return words.map((word, i) => {
    const known = lookups[i];
    if (known) return { word, phones: known.trim().split(/\s+/), inDictionary: true };
    return { word, phones: lettersToPhones(word), inDictionary: false };
  });
}

/** SoundSwallower's `get_alignment({ align_level: 1 })` result → timings and visemes. */
export function fromSegments(segments: readonly Segment[]): Alignment {
  const words: WordTiming[] = [];
  const phones: PhoneTiming[] = [];
  const ms = (s: number) => Math.round(s * 1000);
  for (const segment of segments) {
    const isWord = !segment.t.startsWith('<') && !segment.t.startsWith('+') && !segment.t.startsWith('[');
    if (isWord)
      words.push({
        word: segment.t.replace(/\(\d+\)$/, ''),
        startMs: ms(segment.b),
        endMs: ms(segment.b + segment.d),
      });
    for (const phone of segment.w ?? [{ ...segment, t: 'SIL' }]) {
      const name = phone.t.toUpperCase();
      phones.push({
        phone: name === 'SIL' || name.startsWith('+') ? 'pau' : name.toLowerCase(),
        startMs: ms(phone.b),
        endMs: ms(phone.b + phone.d),
      });
    }
  }
  return { words, phones, visemes: phonesToVisemes(phones, { alphabet: 'arpabet' }) };
}

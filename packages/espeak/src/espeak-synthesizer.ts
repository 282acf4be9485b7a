import {
  ErrorCode,
  ESPEAK_VOICES,
  type EspeakVoice,
  isEspeakVoice,
  PIPELINE_SAMPLE_RATE,
  phonesToVisemes,
  type SpeechSynthesizer,
  type SynthesisRequest,
  type SynthesisResult,
  VisemoError,
} from '@visemo/core';
import { toPipelineAudio } from '@visemo/speech';
import { EspeakEngine } from './espeak-engine.js';
import { phonesFromEvents, wordsFromEvents } from './espeak-timing.js';

export interface EspeakSynthesizerOptions {
  /** Voice used when a request names none. Default `en-us`. */
  defaultVoice?: EspeakVoice;
  /** Words per minute, 80–450. Default 175, eSpeak's own. */
  rate?: number;
  /** Base pitch, 0–99. Default 50, eSpeak's own. */
  pitch?: number;
}

/** The options of `synthesize(text, options)`, the short form for making test speech. */
export interface EspeakSpeakOptions {
  voice?: EspeakVoice;
  signal?: AbortSignal;
}

/**
 * Longest text one call takes, in characters. eSpeak speaks in this thread, about 0.5 s of CPU
 * (with resampling) for this much; a reply arrives a sentence at a time, far below it.
 */
export const MAX_ESPEAK_TEXT_CHARS = 5000;

const RATE_RANGE = [80, 450] as const;
const PITCH_RANGE = [0, 99] as const;

/**
 * Embedded text-to-speech with eSpeak NG: many languages (French among them, see
 * `ESPEAK_VOICES`) from one 24 MB package, 16 kHz output resampled from eSpeak's 22.05 kHz. eSpeak
 * reports each phone as it speaks it, so the visemes and words follow its own timings, in every
 * language, without an aligner.
 */
export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = 'espeak';
  readonly voices: readonly EspeakVoice[] = ESPEAK_VOICES;
  private readonly defaultVoice: EspeakVoice;
  private readonly rate: number;
  private readonly pitch: number;

  constructor(options: EspeakSynthesizerOptions = {}) {
    this.defaultVoice = options.defaultVoice ?? 'en-us';
    if (!isEspeakVoice(this.defaultVoice)) throw unknownVoice(this.defaultVoice);
    this.rate = inRange('rate', options.rate ?? 175, RATE_RANGE);
    this.pitch = inRange('pitch', options.pitch ?? 50, PITCH_RANGE);
  }

  /** Loads the engine and speaks a warm-up sentence in each voice. */
  async prepare(voices: readonly string[] = [this.defaultVoice]): Promise<void> {
    for (const voice of voices) {
      if (!isEspeakVoice(voice)) throw unknownVoice(voice);
      await this.synthesize({ text: 'Hello, thank you for calling. How can I help you today?', voice });
    }
  }

  synthesize(request: SynthesisRequest): Promise<SynthesisResult>;
  synthesize(text: string, options?: EspeakSpeakOptions): Promise<SynthesisResult>;
  async synthesize(
    input: SynthesisRequest | string,
    options: EspeakSpeakOptions = {},
  ): Promise<SynthesisResult> {
    const request = typeof input === 'string' ? { text: input, ...options } : input;
    const voice = request.voice ?? this.defaultVoice;
    if (!isEspeakVoice(voice)) throw unknownVoice(voice);
    const { text, signal } = request;
    if (text.length > MAX_ESPEAK_TEXT_CHARS) {
      throw new VisemoError(
        ErrorCode.ProviderRejected,
        `eSpeak NG takes at most ${MAX_ESPEAK_TEXT_CHARS} characters at a time; this text has ${text.length}`,
      );
    }
    if (signal?.aborted) throw aborted();
    if (!/[\p{L}\p{N}]/u.test(text)) {
      return {
        audio: { samples: new Int16Array(0), sampleRate: PIPELINE_SAMPLE_RATE },
        phones: [],
        visemes: [],
        words: [],
      };
    }
    const engine = await EspeakEngine.create();
    if (signal?.aborted) throw aborted();
    const speech = engine.speak(text, { voice, rate: this.rate, pitch: this.pitch });
    if (signal?.aborted) throw aborted();
    const audio = toPipelineAudio(speech);
    const audioMs = (audio.samples.length / audio.sampleRate) * 1000;
    const phones = phonesFromEvents(speech.events, audioMs);
    return {
      audio,
      phones,
      visemes: phonesToVisemes(phones, { alphabet: 'ipa' }),
      words: wordsFromEvents(text, speech.events, audioMs),
    };
  }
}

function inRange(what: string, value: number, [min, max]: readonly [number, number]): number {
  if (!(value >= min && value <= max)) {
    throw new VisemoError(ErrorCode.ProviderRejected, `eSpeak NG ${what} ${value} is outside ${min}–${max}`);
  }
  return value;
}

function aborted(): VisemoError {
  return new VisemoError(ErrorCode.Aborted, 'speech synthesis was aborted');
}

function unknownVoice(voice: string): VisemoError {
  return new VisemoError(
    ErrorCode.ProviderRejected,
    `eSpeak NG has no voice "${voice}" here; its voices are ${ESPEAK_VOICES.join(', ')}`,
  );
}

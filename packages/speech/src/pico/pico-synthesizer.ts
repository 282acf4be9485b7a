import {
  ErrorCode,
  type PcmAudio,
  PIPELINE_SAMPLE_RATE,
  type SpeechSynthesizer,
  type SynthesisRequest,
  type SynthesisResult,
  VisemoError,
} from '@visemo/core';
import { AlignerThread } from '../align/aligner-thread.js';
import { estimateAlignmentFromText } from '../align/estimate.js';
import type { Alignment } from '../align/forced-aligner.js';
import { startAtSound } from '../align/opening-silence.js';
import {
  defaultPicoLingwareDir,
  isPicoVoice,
  PICO_VOICES,
  PicoEngine,
  type PicoVoice,
} from './pico-engine.js';

/** What lip-sync needs from an aligner: `ForcedAligner` and `AlignerThread` both fit. */
export interface PicoTextAligner {
  align(audio: PcmAudio, text: string): Alignment | Promise<Alignment>;
}

export interface PicoSynthesizerOptions {
  /** Voice used when a request names none. Default `en-US`. */
  defaultVoice?: PicoVoice;
  /** Folder with Pico's lingware files (default `VISEMO_PICO_LINGWARE` or /usr/share/pico/lang). */
  lingwareDir?: string;
  /**
   * The forced aligner that times the phones (Pico reports none). Default: one `AlignerThread`
   * of this synthesizer's own, made on first use and stopped by `close`.
   */
  aligner?: () => Promise<PicoTextAligner>;
}

/** The aligner's acoustic model is US English: it times English voices only. */
const ALIGNED_VOICES: readonly PicoVoice[] = ['en-US', 'en-GB'];

/**
 * Gain on Pico's output, −3 dB: Pico speaks at full scale (a loud vowel clips inside the engine),
 * which leaves no headroom for the client's mixing.
 */
const OUTPUT_GAIN = 0.7;

/**
 * Embedded text-to-speech with SVOX Pico: six voices (US and British English, German, Spanish,
 * French, Italian) at 16 kHz. Pico gives no phone timings, so the phones, visemes and words come
 * from forced alignment of its audio against the text, as for the cloud voices
 * (docs/lipsync-alignment.md); where alignment fails, or the voice is not English, from the
 * text-only estimate.
 */
export class PicoSynthesizer implements SpeechSynthesizer {
  readonly name = 'pico';
  readonly voices: readonly PicoVoice[] = PICO_VOICES;
  private readonly defaultVoice: PicoVoice;
  private readonly lingwareDir: string;
  private readonly engines = new Map<PicoVoice, Promise<PicoEngine>>();
  private readonly aligner: () => Promise<PicoTextAligner>;
  private ownAligner: Promise<AlignerThread> | undefined;

  constructor(options: PicoSynthesizerOptions = {}) {
    this.defaultVoice = options.defaultVoice ?? 'en-US';
    if (!isPicoVoice(this.defaultVoice)) throw unknownVoice(this.defaultVoice);
    this.lingwareDir = options.lingwareDir ?? defaultPicoLingwareDir();
    this.aligner =
      options.aligner ??
      (() => {
        this.ownAligner ??= AlignerThread.create();
        return this.ownAligner;
      });
  }

  private engine(voice: PicoVoice): Promise<PicoEngine> {
    let engine = this.engines.get(voice);
    if (!engine) {
      engine = PicoEngine.create(voice, this.lingwareDir);
      engine.catch(() => this.engines.delete(voice));
      this.engines.set(voice, engine);
    }
    return engine;
  }

  /** Loads each voice's lingware and the aligner, then speaks a warm-up sentence. */
  async prepare(voices: readonly string[] = [this.defaultVoice]): Promise<void> {
    for (const voice of voices) {
      if (!isPicoVoice(voice)) throw unknownVoice(voice);
      await this.synthesize({ text: 'Hello, thank you for calling. How can I help you today?', voice });
    }
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const voice = request.voice ?? this.defaultVoice;
    if (!isPicoVoice(voice)) throw unknownVoice(voice);
    const { signal } = request;
    if (signal?.aborted) throw aborted();
    const engine = await this.engine(voice);
    if (signal?.aborted) throw aborted();
    const samples = engine.speak(request.text);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round((samples[i] as number) * OUTPUT_GAIN);
    // Pico opens with 30–70 ms of silence, less than Flite keeps before a reply (40 ms after
    // trimming its 200 ms), so a leading sentence needs no trimming.
    const audio: PcmAudio = { samples, sampleRate: PIPELINE_SAMPLE_RATE };
    const { phones, visemes, words } = await this.timing(audio, request.text, voice);
    if (signal?.aborted) throw aborted();
    return { audio, phones, visemes, words };
  }

  private async timing(audio: PcmAudio, text: string, voice: PicoVoice): Promise<Alignment> {
    const durationMs = (audio.samples.length / audio.sampleRate) * 1000;
    if (ALIGNED_VOICES.includes(voice)) {
      try {
        return startAtSound(await (await this.aligner()).align(audio, text), audio);
      } catch {
        // Audio and text disagree (Pico read a number or a name its own way): the estimate below.
      }
    }
    return estimateAlignmentFromText(text, durationMs);
  }

  /** Stops this synthesizer's own aligner thread, if it made one. */
  async close(): Promise<void> {
    const aligner = this.ownAligner;
    this.ownAligner = undefined;
    if (aligner) await (await aligner).close();
  }
}

function aborted(): VisemoError {
  return new VisemoError(ErrorCode.Aborted, 'speech synthesis was aborted');
}

function unknownVoice(voice: string): VisemoError {
  return new VisemoError(
    ErrorCode.ProviderRejected,
    `SVOX Pico has no voice "${voice}"; its voices are ${PICO_VOICES.join(', ')}`,
  );
}

import {
  ErrorCode,
  type PcmAudio,
  type PhoneTiming,
  PIPELINE_SAMPLE_RATE,
  phonesToVisemes,
  type SpeechSynthesizer,
  type SynthesisRequest,
  type SynthesisResult,
  VisemoError,
} from '@visemo/core';
import { toPipelineAudio } from '../audio/resample.js';
import { readWav } from '../audio/wav.js';
import { FliteWorkerPool } from './flite-wasm.js';
import { normalizeText } from './text-normalizer.js';
import { alignWords } from './word-aligner.js';

export const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

/**
 * The Flite voice each name runs. `kal` is Flite's 8 kHz diphone voice; the build also carries the
 * same voice recorded at 16 kHz (`kal16`), which sounds better than 8 kHz upsampled.
 */
const FLITE_VOICE_NAMES: Record<FliteVoice, string> = { slt: 'slt', rms: 'rms', awb: 'awb', kal: 'kal16' };

/**
 * Gain per voice, so the voices play at about the same loudness: kal16 comes out 11–13 LU under
 * slt (−29 to −27 LUFS, peaks at −9 dBFS; `visemo check`), +7 dB brings it to about −21 LUFS with
 * its peaks still 2 dB under full scale. The others are within the check's window as they are.
 */
const VOICE_GAIN: Record<FliteVoice, number> = { slt: 1, rms: 1, awb: 1, kal: 10 ** (7 / 20) };

export interface FliteSynthesizerOptions {
  /** Voice used when a request names none. Default `slt` (US English, female). */
  defaultVoice?: FliteVoice;
  /** Speaking rate, 1 = Flite's own; 1.2 is 20% faster. Sets Flite's `duration_stretch` to 1/speed. */
  speed?: number;
  /**
   * Worker threads running Flite (default 1). Calls beyond this many wait their turn; more
   * workers only help when cores are free, and each holds ~20 MB per voice it has spoken.
   */
  workers?: number;
}

function isFliteVoice(voice: string): voice is FliteVoice {
  return (FLITE_VOICES as readonly string[]).includes(voice);
}

function aborted(): VisemoError {
  return new VisemoError(ErrorCode.Aborted, 'speech synthesis was aborted');
}

/**
 * Parses `-psdur` output into phone spans in ms covering [0, audioMs].
 *
 * With `-f`, Flite prints one line per utterance (sentence), each timed from 0, and concatenates
 * the utterances' audio. Each utterance's audio is shorter than its last phone's end by a fixed
 * amount: 3–5 ms for the clustergen voices (frame rounding), about 110 ms for the diphone voice
 * kal (the final pause's last half-diphone is not rendered). That shortfall is measured on the
 * whole file and taken off each utterance's final pause, so later utterances do not drift.
 */
export function parsePsdur(stdout: string, audioMs: number): PhoneTiming[] {
  const utterances = stdout
    .split('\n')
    .map((line) =>
      line
        .trim()
        .split(/\s+/)
        .map((pair) => {
          const colon = pair.lastIndexOf(':');
          return { phone: pair.slice(0, colon), endMs: Number(pair.slice(colon + 1)) * 1000 };
        })
        .filter((p) => p.phone && Number.isFinite(p.endMs)),
    )
    .filter((u) => u.length > 0);
  if (utterances.length === 0) return [];
  const printed = utterances.reduce((sum, u) => sum + (u[u.length - 1]?.endMs ?? 0), 0);
  const shortfall = (printed - audioMs) / utterances.length;
  const phones: PhoneTiming[] = [];
  let offset = 0;
  for (const utterance of utterances) {
    const length = Math.max(0, (utterance[utterance.length - 1]?.endMs ?? 0) - shortfall);
    let start = 0;
    utterance.forEach((p, k) => {
      const end = k === utterance.length - 1 ? length : Math.min(p.endMs, length);
      if (end > start) phones.push({ phone: p.phone, startMs: offset + start, endMs: offset + end });
      start = Math.max(start, end);
    });
    offset += length;
  }
  const rounded = phones.map((p) => ({
    phone: p.phone,
    startMs: Math.round(p.startMs),
    endMs: Math.round(p.endMs),
  }));
  const last = rounded[rounded.length - 1];
  if (last) last.endMs = Math.round(audioMs);
  return rounded.filter((p) => p.endMs > p.startMs);
}

/**
 * Embedded text-to-speech: Flite compiled to WASI, four US English voices, 16 kHz output with the
 * synthesizer's own phone timings, hence exact visemes, plus word timings aligned from them.
 */
export class FliteSynthesizer implements SpeechSynthesizer {
  readonly name = 'flite';
  readonly voices: readonly FliteVoice[] = FLITE_VOICES;
  private readonly defaultVoice: FliteVoice;
  private readonly features: string[];
  private readonly pool: FliteWorkerPool;

  constructor(options: FliteSynthesizerOptions = {}) {
    this.defaultVoice = options.defaultVoice ?? 'slt';
    if (!isFliteVoice(this.defaultVoice)) throw unknownVoice(this.defaultVoice);
    const speed = options.speed ?? 1;
    if (!(speed > 0.25 && speed < 4)) {
      throw new VisemoError(ErrorCode.ProviderRejected, `Flite speed ${speed} is outside 0.25–4`);
    }
    this.features = speed === 1 ? [] : ['--setf', `duration_stretch=${1 / speed}`];
    this.pool = new FliteWorkerPool(options.workers ?? 1);
  }

  private args(voice: FliteVoice): string[] {
    return ['-voice', FLITE_VOICE_NAMES[voice], ...this.features];
  }

  /**
   * Compiles Flite and readies an instance for each voice, then speaks one short warm-up phrase
   * so the engine's hot code is optimized before the first real request.
   */
  async prepare(voices: readonly string[] = [this.defaultVoice]): Promise<void> {
    for (const voice of voices) if (!isFliteVoice(voice)) throw unknownVoice(voice);
    // A whole sentence, so that the engine's hot loops are optimized, not just started.
    for (const voice of voices as readonly FliteVoice[])
      await this.pool.warm(this.args(voice), 'Hello, thank you for calling. How can I help you today?');
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const voice = request.voice ?? this.defaultVoice;
    if (!isFliteVoice(voice)) throw unknownVoice(voice);
    const { signal } = request;
    if (signal?.aborted) throw aborted();
    const text = normalizeText(request.text);
    if (!/[a-z0-9]/i.test(text.spoken)) {
      return {
        audio: { samples: new Int16Array(0), sampleRate: PIPELINE_SAMPLE_RATE },
        phones: [],
        visemes: [],
        words: alignWords(text.tokens, []),
      };
    }
    const run = this.pool.run(
      this.args(voice),
      text.spoken,
      () => {
        if (signal?.aborted) throw aborted();
      },
      request.leading ? 0 : 1,
    );
    const output = await (signal ? untilAborted(run, signal) : run);
    const flite = readWav(output.wav);
    let audio = withGain(toPipelineAudio(flite), VOICE_GAIN[voice]);
    let phones = parsePsdur(output.stdout, (audio.samples.length / audio.sampleRate) * 1000);
    if (request.leading) ({ audio, phones } = trimLeadingPause(audio, phones, LEADING_PAUSE_MS));
    return { audio, phones, visemes: phonesToVisemes(phones), words: alignWords(text.tokens, phones) };
  }

  /** Stops the worker threads; calls after this fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Silence kept before the first sentence of a reply. Flite opens every utterance with 170–220 ms
 * of pause, which between sentences is a natural gap but before a reply is only a later start.
 */
const LEADING_PAUSE_MS = 40;

/** Cuts an opening pause down to `keepMs`, moving every phone earlier by what was cut. */
export function trimLeadingPause(
  audio: PcmAudio,
  phones: PhoneTiming[],
  keepMs: number,
): { audio: PcmAudio; phones: PhoneTiming[] } {
  const first = phones[0];
  if (first?.phone !== 'pau' || first.endMs <= keepMs) return { audio, phones };
  const cut = Math.floor(((first.endMs - keepMs) * audio.sampleRate) / 1000);
  const cutMs = (cut * 1000) / audio.sampleRate;
  return {
    audio: { samples: audio.samples.subarray(cut), sampleRate: audio.sampleRate },
    phones: phones.map((p, i) => ({
      phone: p.phone,
      startMs: i === 0 ? 0 : p.startMs - cutMs,
      endMs: p.endMs - cutMs,
    })),
  };
}

/** `promise`, or an abort error as soon as `signal` fires, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(aborted());
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? aborted() : error);
      },
    );
  });
}

function unknownVoice(voice: string): VisemoError {
  return new VisemoError(
    ErrorCode.ProviderRejected,
    `Flite has no voice "${voice}"; its voices are ${FLITE_VOICES.join(', ')}`,
  );
}

function withGain(audio: PcmAudio, gain: number): PcmAudio {
  if (gain === 1) return audio;
  const samples = audio.samples.map((s) => Math.max(-32768, Math.min(32767, Math.round(s * gain))));
  return { samples, sampleRate: audio.sampleRate };
}

import { type PcmAudio, PIPELINE_SAMPLE_RATE, seededRandom } from '@visemo/core';
import { type FliteSynthesizer, frameRms, spokenForm } from '@visemo/speech';

/**
 * A line as the caller says it: 16 kHz speech, long numbers digit by digit as people read them
 * (as `visemo test --spoken` says them), with a pause cut in where the script asks.
 */
export async function speakLine(
  synthesizer: FliteSynthesizer,
  text: string,
  voice: string,
  pause?: { afterWord: number; ms: number },
): Promise<Int16Array> {
  const result = await synthesizer.synthesize({ text: spokenForm(text), voice });
  const samples = result.audio.samples;
  const word = pause ? result.words[Math.min(pause.afterWord, result.words.length) - 1] : undefined;
  if (!pause || !word || pause.afterWord >= result.words.length) return samples;
  const cut = Math.round((word.endMs * PIPELINE_SAMPLE_RATE) / 1000);
  const gap = Math.round((pause.ms * PIPELINE_SAMPLE_RATE) / 1000);
  const out = new Int16Array(samples.length + gap);
  out.set(samples.subarray(0, cut));
  out.set(samples.subarray(cut), cut + gap);
  return out;
}

/**
 * A noisy room: white noise at `snrDb` under the speech level it is set from, drawn from a seeded
 * generator, for the lines and the silence between them alike (a microphone hears the room all the time).
 */
export class RoomNoise {
  private readonly random: () => number;
  private rms = 0;

  constructor(
    readonly snrDb: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /**
   * Sets the level from the first line spoken (the RMS of its sounding 10 ms frames, within
   * 40 dB of the loudest), so the SNR holds for the caller's voice.
   */
  calibrate(speech: PcmAudio): void {
    if (this.rms > 0) return;
    const frames = frameRms(speech);
    const bar = Math.max(...frames, 0) * 0.01;
    const sounding = frames.filter((f) => f > 0 && f >= bar);
    if (sounding.length === 0) return;
    const speechRms = Math.sqrt(sounding.reduce((s, f) => s + f * f, 0) / sounding.length);
    this.rms = speechRms / 10 ** (this.snrDb / 20);
  }

  /** `samples` with the room's noise added (a copy), clamped to PCM16. */
  mix(samples: Int16Array): Int16Array {
    const out = new Int16Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      const v = (samples[i] as number) + this.gaussian() * this.rms;
      out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
    return out;
  }

  /** Box–Muller: a standard normal sample from two uniform ones. */
  private gaussian(): number {
    const u = 1 - this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}

/** Silence after the last sound of a line, ms (10 ms frames more than 40 dB under its loudest). */
export function trailingSilenceMs(samples: Int16Array): number {
  const frames = frameRms({ samples, sampleRate: PIPELINE_SAMPLE_RATE });
  const bar = Math.max(...frames, 0) * 0.01;
  let last = frames.length - 1;
  while (last >= 0 && !((frames[last] as number) > 0 && (frames[last] as number) >= bar)) last--;
  return (samples.length / PIPELINE_SAMPLE_RATE) * 1000 - (last + 1) * 10;
}

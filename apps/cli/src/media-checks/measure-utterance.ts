import { durationMs, type PhoneTiming, PIPELINE_SAMPLE_RATE, type SpeechSynthesizer } from '@visemo/core';
import {
  clippedShare,
  type ForcedAligner,
  frameRms,
  integratedLoudness,
  leadingSilenceMs,
  phoneStartOffsets,
} from '@visemo/speech';

/** What `visemo check` measures of one sentence spoken by one voice. */
export interface UtteranceMeasures {
  text: string;
  durationMs: number;
  /** The rate the synthesizer declared for its audio (what `audio.chunk` carries as `sampleRate`). */
  sampleRate: number;
  /** Lip-sync against forced alignment of the audio; absent when alignment failed (see `alignmentError`). */
  lipSync?: {
    /** Mean |offset| of the phones both timelines share, ms. */
    meanMs: number;
    maxMs: number;
    /** Mean signed offset, ms: negative, the mouth moves before the sound. */
    biasMs: number;
    matchedPhones: number;
    unmatchedPhones: number;
  };
  alignmentError?: string;
  /** Share of samples at or above −0.1 dBFS, %. */
  clippedPercent: number;
  /** Integrated loudness (BS.1770-4), LUFS; null when the utterance is too short or silent to measure. */
  loudnessLufs: number | null;
  leadingSilenceMs: number;
  /** Where the viseme track ends against where the audio does, ms (positive: the track runs longer). */
  trackOverrunMs: number;
  /** How many phones the text has by the aligner's dictionary. */
  textPhones: number;
  /** Those phones per second of sounding audio: far off when the audio plays at the wrong rate. */
  phonesPerSecond: number;
}

/**
 * Speaks `text` as the pipeline does for the first sentence of a reply (`leading`, which trims
 * Flite's opening pause), then measures the audio and compares the phones behind its viseme
 * track with a forced alignment of the same audio against the text.
 */
export async function measureUtterance(
  synthesizer: SpeechSynthesizer,
  voice: string,
  text: string,
  aligner: ForcedAligner,
): Promise<UtteranceMeasures> {
  const result = await synthesizer.synthesize({ text, voice, leading: true });
  const { audio } = result;
  const length = durationMs(audio);
  const lastCue = result.visemes[result.visemes.length - 1];
  const loudness = integratedLoudness(audio);
  const textPhones = aligner.pronounce(text).reduce((n, w) => n + w.phones.length, 0);
  const measures: UtteranceMeasures = {
    text,
    durationMs: round(length),
    sampleRate: audio.sampleRate,
    clippedPercent: round(clippedShare(audio) * 100, 3),
    loudnessLufs: Number.isFinite(loudness) ? round(loudness, 1) : null,
    leadingSilenceMs: round(leadingSilenceMs(audio)),
    trackOverrunMs: round((lastCue?.endMs ?? 0) - length),
    textPhones,
    phonesPerSecond: round(textPhones / Math.max(soundingMs(audio) / 1000, 0.01), 1),
  };
  if (audio.sampleRate !== PIPELINE_SAMPLE_RATE) {
    measures.alignmentError = `the aligner takes ${PIPELINE_SAMPLE_RATE} Hz audio`;
    return measures;
  }
  try {
    const aligned = aligner.align(audio, text);
    measures.lipSync = lipSync(aligned.phones, result.phones ?? []);
  } catch (error) {
    measures.alignmentError = (error as Error).message;
  }
  return measures;
}

function lipSync(
  reference: readonly PhoneTiming[],
  track: readonly PhoneTiming[],
): UtteranceMeasures['lipSync'] {
  const { offsets, unmatched } = phoneStartOffsets(reference, track);
  if (offsets.length === 0)
    return { meanMs: 0, maxMs: 0, biasMs: 0, matchedPhones: 0, unmatchedPhones: unmatched };
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const absolute = offsets.map(Math.abs);
  return {
    meanMs: round(sum(absolute) / offsets.length, 1),
    maxMs: round(Math.max(...absolute)),
    biasMs: round(sum(offsets) / offsets.length, 1),
    matchedPhones: offsets.length,
    unmatchedPhones: unmatched,
  };
}

/** From the first to the last 10 ms frame within 40 dB of the loudest, ms. */
function soundingMs(audio: Parameters<typeof frameRms>[0]): number {
  const rms = frameRms(audio);
  const bar = Math.max(...rms, 0) * 10 ** (-40 / 20);
  const first = rms.findIndex((v) => v > 0 && v >= bar);
  if (first < 0) return 0;
  const last = rms.length - 1 - [...rms].reverse().findIndex((v) => v > 0 && v >= bar);
  return (last - first + 1) * 10;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

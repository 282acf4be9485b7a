import { PIPELINE_SAMPLE_RATE } from '@visemo/core';
import { UsageError } from '../args.js';
import type { UtteranceMeasures } from './measure-utterance.js';

/** The limits `visemo check` holds each utterance to (docs/media-checks.md has the measured values). */
export interface CheckThresholds {
  /** Mean |phone start offset| between the viseme track and forced alignment, ms: two 60 fps frames. */
  maxMeanOffsetMs: number;
  /** The worst single phone, ms. */
  maxPeakOffsetMs: number;
  /** Integrated loudness window, LUFS. */
  minLufs: number;
  maxLufs: number;
  /** Share of samples at or above −0.1 dBFS, %. */
  maxClippedPercent: number;
  maxLeadingSilenceMs: number;
  /** How far the viseme track may end before or after the audio, ms. */
  maxTrackOverrunMs: number;
  /** Speaking rate window, dictionary phones per second of sound (sentences of 12 phones or more). */
  minPhonesPerSecond: number;
  maxPhonesPerSecond: number;
}

export const DEFAULT_THRESHOLDS: CheckThresholds = {
  maxMeanOffsetMs: 40,
  maxPeakOffsetMs: 200,
  // Speech for headphones and laptop speakers: −18 LUFS ± 5 (AES streaming guidance is −16 to −20).
  minLufs: -23,
  maxLufs: -13,
  maxClippedPercent: 0.1,
  maxLeadingSilenceMs: 300,
  maxTrackOverrunMs: 50,
  // Speech runs at 9–15 phones per second; audio played at twice or half its rate leaves the window.
  minPhonesPerSecond: 7,
  maxPhonesPerSecond: 20,
};

/** A short sentence's rate says little: one long vowel ("Sure.") halves it. */
const RATE_CHECK_MIN_PHONES = 12;

/** The command-line flag for each threshold. */
export const THRESHOLD_FLAGS: Record<keyof CheckThresholds, string> = {
  maxMeanOffsetMs: 'max-offset',
  maxPeakOffsetMs: 'max-peak-offset',
  minLufs: 'min-lufs',
  maxLufs: 'max-lufs',
  maxClippedPercent: 'max-clipping',
  maxLeadingSilenceMs: 'max-leading-silence',
  maxTrackOverrunMs: 'max-track-overrun',
  minPhonesPerSecond: 'min-rate',
  maxPhonesPerSecond: 'max-rate',
};

/** The defaults with the flags given in `values` (numbers as text) in their place. */
export function parseThresholds(
  values: Partial<Record<string, string | boolean | undefined>>,
): CheckThresholds {
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, flag] of Object.entries(THRESHOLD_FLAGS) as [keyof CheckThresholds, string][]) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number))
      throw new UsageError(`--${flag} takes a number, got "${value}"`);
    thresholds[key] = number;
  }
  if (thresholds.minLufs > thresholds.maxLufs) throw new UsageError('--min-lufs is above --max-lufs');
  if (thresholds.minPhonesPerSecond > thresholds.maxPhonesPerSecond)
    throw new UsageError('--min-rate is above --max-rate');
  return thresholds;
}

/** Each way `m` is beyond `t`, as a sentence a report can print; empty when it is within all. */
export function thresholdViolations(m: UtteranceMeasures, t: CheckThresholds): string[] {
  const out: string[] = [];
  if (m.sampleRate !== PIPELINE_SAMPLE_RATE)
    out.push(`sample rate ${m.sampleRate} Hz, the pipeline expects ${PIPELINE_SAMPLE_RATE} Hz`);
  if (m.lipSync) {
    if (m.lipSync.meanMs > t.maxMeanOffsetMs)
      out.push(`lip-sync offset ${m.lipSync.meanMs} ms mean > ${t.maxMeanOffsetMs} ms`);
    if (m.lipSync.maxMs > t.maxPeakOffsetMs)
      out.push(`lip-sync offset ${m.lipSync.maxMs} ms at worst > ${t.maxPeakOffsetMs} ms`);
  } else out.push(`no lip-sync measure: ${m.alignmentError ?? 'forced alignment failed'}`);
  if (m.loudnessLufs === null) out.push('too short or silent for a loudness measure');
  else if (m.loudnessLufs < t.minLufs || m.loudnessLufs > t.maxLufs)
    out.push(`loudness ${m.loudnessLufs} LUFS outside ${t.minLufs} to ${t.maxLufs}`);
  if (m.clippedPercent > t.maxClippedPercent)
    out.push(`clipping ${m.clippedPercent} % > ${t.maxClippedPercent} %`);
  if (m.leadingSilenceMs > t.maxLeadingSilenceMs)
    out.push(`leading silence ${m.leadingSilenceMs} ms > ${t.maxLeadingSilenceMs} ms`);
  if (Math.abs(m.trackOverrunMs) > t.maxTrackOverrunMs)
    out.push(
      `viseme track ends ${Math.abs(m.trackOverrunMs)} ms ${m.trackOverrunMs > 0 ? 'after' : 'before'} the audio`,
    );
  if (
    m.textPhones >= RATE_CHECK_MIN_PHONES &&
    (m.phonesPerSecond < t.minPhonesPerSecond || m.phonesPerSecond > t.maxPhonesPerSecond)
  )
    out.push(
      `speaking rate ${m.phonesPerSecond} phones/s outside ${t.minPhonesPerSecond}–${t.maxPhonesPerSecond}: audio at the wrong rate?`,
    );
  return out;
}

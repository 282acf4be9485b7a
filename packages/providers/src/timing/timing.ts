import type { PcmAudio, PhoneTiming, VisemeCue, WordTiming } from '@visemo/core';
import { AlignerThread, type Alignment, estimateAlignmentFromText } from '@visemo/speech';

/** Word, phone and viseme timings for synthesized audio whose provider gave none. */
export type TimingSource = (audio: PcmAudio, text: string) => Promise<Timings>;

export interface Timings {
  words: WordTiming[];
  phones: PhoneTiming[];
  visemes: VisemeCue[];
  /** Where the timings came from, for metrics and docs. */
  source: 'vendor' | 'forced-alignment' | 'estimate';
}

/** What forced alignment needs: `ForcedAligner` (in-process) or `AlignerThread` (worker) fit. */
export interface TextAligner {
  align(audio: PcmAudio, text: string): Alignment | Promise<Alignment>;
}

let shared: Promise<AlignerThread> | undefined;

/**
 * One SoundSwallower aligner per process on a worker thread, created on first use (300–450 ms to
 * load its model), so alignment never blocks the event loop that streams audio.
 */
export function sharedForcedAligner(): Promise<AlignerThread> {
  if (!shared) {
    shared = AlignerThread.create();
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

/**
 * Timings by forced alignment (SoundSwallower, 16 kHz audio), falling back to the text-only
 * estimate when alignment fails (audio and text disagree, e.g. the vendor read a number
 * differently). Mean phone-boundary error 13 ms against Flite's own timings; the estimate's is
 * about 140 ms (docs/lipsync-alignment.md).
 */
export function forcedAlignmentTiming(
  aligner: () => Promise<TextAligner> = sharedForcedAligner,
): TimingSource {
  return async (audio, text) => {
    try {
      const a = await aligner();
      return { ...(await a.align(audio, text)), source: 'forced-alignment' };
    } catch {
      return estimatedTiming(audio, text);
    }
  };
}

/** Phones spread evenly over the audio: no model, no CPU, visibly worse lip-sync. */
export const estimatedTiming: TimingSource = async (audio, text) => {
  const durationMs = (audio.samples.length / audio.sampleRate) * 1000;
  return { ...estimateAlignmentFromText(text, durationMs), source: 'estimate' };
};

export function withSource(alignment: Alignment, source: Timings['source']): Timings {
  return { ...alignment, source };
}

import { PIPELINE_SAMPLE_RATE } from '@visemo/core';
import { StreamingResampler } from '@visemo/speech';
import type { AudioFilter } from '../runtime.js';

/**
 * Audio that must reach the recognizer before the VAD has decided that speech started: its decision
 * comes some frames after the first phone, and the recognizer needs that onset.
 */
const PREROLL_MS = 500;
/** Bound on audio kept for a push-to-talk commit that the VAD never saw start (30 s). */
const MAX_UNCOMMITTED_MS = 30_000;

/** A session's microphone input: resampling to 16 kHz, an optional filter, pre-roll, and utterance bookkeeping. */
export class AudioInput {
  private readonly resampler: StreamingResampler | null;
  private readonly prerollSamples = (PREROLL_MS / 1000) * PIPELINE_SAMPLE_RATE;
  private recent: Int16Array[] = [];
  private recentLength = 0;
  private uncommitted: Int16Array[] = [];
  private uncommittedLength = 0;
  private utteranceSamples: number | null = null;

  constructor(
    inputRate: number,
    private readonly filter?: AudioFilter,
  ) {
    this.resampler =
      inputRate === PIPELINE_SAMPLE_RATE ? null : new StreamingResampler(inputRate, PIPELINE_SAMPLE_RATE);
  }

  /** Takes a binary frame (PCM16 LE) and returns it as 16 kHz samples. */
  push(bytes: Uint8Array): Int16Array {
    const copy = new Uint8Array(bytes); // aligned copy: the frame's buffer offset may be odd
    const view = new DataView(copy.buffer);
    const raw = new Int16Array(copy.byteLength / 2);
    for (let i = 0; i < raw.length; i++) raw[i] = view.getInt16(i * 2, true);
    const resampled = this.resampler ? this.resampler.push(raw) : raw;
    // Filtered before everything else, so the VAD, the pre-roll and the recognizer hear the same.
    const samples = this.filter ? this.filter.push(resampled) : resampled;
    this.remember(samples);
    if (this.utteranceSamples !== null) this.utteranceSamples += samples.length;
    return samples;
  }

  /** The last PREROLL_MS of audio, without the frame just pushed. */
  preroll(): Int16Array {
    const chunks = this.recent.slice(0, -1);
    return concat(chunks).slice(-this.prerollSamples);
  }

  /** All audio since the last utterance ended (bounded), for a push-to-talk commit. */
  sinceLastTurn(): Int16Array {
    return concat(this.uncommitted);
  }

  startUtterance(): void {
    this.utteranceSamples = 0;
  }

  endUtterance(): void {
    this.utteranceSamples = null;
    this.uncommitted = [];
    this.uncommittedLength = 0;
  }

  utteranceMs(): number {
    return ((this.utteranceSamples ?? 0) / PIPELINE_SAMPLE_RATE) * 1000;
  }

  private remember(samples: Int16Array): void {
    this.recent.push(samples);
    this.recentLength += samples.length;
    while (
      this.recent.length > 1 &&
      this.recentLength - (this.recent[0]?.length ?? 0) >= this.prerollSamples
    ) {
      this.recentLength -= (this.recent.shift() as Int16Array).length;
    }
    this.uncommitted.push(samples);
    this.uncommittedLength += samples.length;
    const max = (MAX_UNCOMMITTED_MS / 1000) * PIPELINE_SAMPLE_RATE;
    while (this.uncommitted.length > 1 && this.uncommittedLength > max) {
      this.uncommittedLength -= (this.uncommitted.shift() as Int16Array).length;
    }
  }
}

function concat(chunks: Int16Array[]): Int16Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Int16Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcmAudio, PhoneTiming, VisemeCue } from '@visemo/core';
import { phonesToVisemes, visemeToArkit } from '@visemo/core';
import { type Alignment, estimateAlignment, ForcedAligner } from '@visemo/speech';
import { boundaryErrors, fliteSample, matchPhones } from '../../packages/speech/test/support/flite-phones.js';
import { SHARED_DATA } from '../shared-data.js';
import type { BenchRow } from '../table.js';

/** One sentence spoken by Flite, with Flite's own phone timings as the ground truth. */
export interface AlignmentSample {
  text: string;
  audio: PcmAudio;
  truth: PhoneTiming[];
  aligned: Alignment;
  estimated: Alignment;
  alignMs: number;
}

const CLINC150 = join(SHARED_DATA, 'clinc150/data_full.json');

/** Test sentences: every 75th CLINC150 test utterance (60 of 4500), varied everyday requests. */
export function benchSentences(count = 60): string[] {
  const data = JSON.parse(readFileSync(CLINC150, 'utf8')) as { test: [string, string][] };
  const step = Math.floor(data.test.length / count);
  return Array.from({ length: count }, (_, i) => (data.test[i * step] as [string, string])[0]);
}

/** How open the jaw is (ARKit jawOpen, 0..1) every `stepMs`, from a viseme timeline. */
export function opennessTrack(visemes: readonly VisemeCue[], durationMs: number, stepMs = 10): number[] {
  const track: number[] = [];
  let k = 0;
  for (let t = stepMs / 2; t < durationMs; t += stepMs) {
    while (k < visemes.length && (visemes[k] as VisemeCue).endMs <= t) k++;
    const cue = visemes[k];
    track.push(cue && cue.startMs <= t ? visemeToArkit(cue.viseme).jawOpen : 0);
  }
  return track;
}

/**
 * The "volume-driven mouth" many avatar kits use: RMS per `stepMs` window, scaled so the 95th
 * percentile is fully open (0.65, the jaw of `aa`), with 50 ms of smoothing as a renderer would.
 */
export function volumeTrack(audio: PcmAudio, stepMs = 10): number[] {
  const hop = Math.round((audio.sampleRate * stepMs) / 1000);
  const rms: number[] = [];
  for (let i = 0; i + hop <= audio.samples.length; i += hop) {
    let sum = 0;
    for (let j = i; j < i + hop; j++) sum += (audio.samples[j] as number) ** 2;
    rms.push(Math.sqrt(sum / hop));
  }
  const sorted = [...rms].sort((a, b) => a - b);
  const top = sorted[Math.floor(sorted.length * 0.95)] || 1;
  const out: number[] = [];
  let smooth = 0;
  const alpha = stepMs / 50;
  for (const r of rms) {
    smooth += alpha * (Math.min(1, r / top) * 0.65 - smooth);
    out.push(smooth);
  }
  return out;
}

export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] as number;
}

/** Speaks, aligns and estimates every sentence; the raw material of the benchmark and the figure. */
export async function alignmentSamples(
  sentences: readonly string[] = benchSentences(),
): Promise<AlignmentSample[]> {
  const aligner = await ForcedAligner.create();
  const dir = mkdtempSync(join(tmpdir(), 'visemo-align-'));
  try {
    // One throw-away run so JIT warm-up is not counted in the first sentence's time.
    const warm = fliteSample('warm up', dir);
    aligner.align(warm.audio, 'warm up');
    return sentences.map((text) => {
      const { audio, truth } = fliteSample(text, dir);
      const t0 = performance.now();
      const aligned = aligner.align(audio, text);
      const alignMs = performance.now() - t0;
      const durationMs = (audio.samples.length / audio.sampleRate) * 1000;
      const estimated = estimateAlignment(aligner.pronounce(text), durationMs);
      return { text, audio, truth, aligned, estimated, alignMs };
    });
  } finally {
    aligner.delete();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Forced alignment against Flite's own phone timings on 60 sentences: boundary error of the
 * aligner and of the text-only estimate, mouth-opening correlation of aligner, estimate and a
 * volume-driven mouth with the true track, and alignment time per second of audio.
 */
export async function benchAlignment(): Promise<BenchRow[]> {
  const samples = await alignmentSamples();
  const alignErrors: number[] = [];
  const estimateErrors: number[] = [];
  const truthTrack: number[] = [];
  const alignTrack: number[] = [];
  const estimateTrack: number[] = [];
  const volume: number[] = [];
  let audioSeconds = 0;
  let alignMs = 0;
  let matched = 0;
  let truthPhones = 0;
  for (const s of samples) {
    alignErrors.push(...boundaryErrors(s.truth, s.aligned.phones));
    estimateErrors.push(...boundaryErrors(s.truth, s.estimated.phones));
    matched += matchPhones(s.truth, s.aligned.phones).length;
    truthPhones += s.truth.filter((p) => p.phone !== 'pau').length;
    const durationMs = (s.audio.samples.length / s.audio.sampleRate) * 1000;
    const truth = opennessTrack(phonesToVisemes(s.truth, { alphabet: 'arpabet' }), durationMs);
    const n = Math.min(truth.length, volumeTrack(s.audio).length);
    truthTrack.push(...truth.slice(0, n));
    alignTrack.push(...opennessTrack(s.aligned.visemes, durationMs).slice(0, n));
    estimateTrack.push(...opennessTrack(s.estimated.visemes, durationMs).slice(0, n));
    volume.push(...volumeTrack(s.audio).slice(0, n));
    audioSeconds += durationMs / 1000;
    alignMs += s.alignMs;
  }
  return [
    { name: 'sentences (Flite slt, CLINC150 test)', value: samples.length, unit: 'count' },
    { name: 'audio', value: audioSeconds, unit: 's' },
    { name: 'phones matched to Flite', value: (matched / truthPhones) * 100, unit: '%' },
    { name: 'aligner boundary error mean', value: mean(alignErrors), unit: 'ms' },
    { name: 'aligner boundary error p95', value: p95(alignErrors), unit: 'ms' },
    { name: 'text estimate boundary error mean', value: mean(estimateErrors), unit: 'ms' },
    { name: 'text estimate boundary error p95', value: p95(estimateErrors), unit: 'ms' },
    { name: 'mouth-opening correlation, aligner', value: pearson(alignTrack, truthTrack), unit: 'r' },
    {
      name: 'mouth-opening correlation, text estimate',
      value: pearson(estimateTrack, truthTrack),
      unit: 'r',
    },
    { name: 'mouth-opening correlation, volume (RMS)', value: pearson(volume, truthTrack), unit: 'r' },
    { name: 'alignment time per second of audio', value: alignMs / audioSeconds, unit: 'ms/s' },
  ];
}

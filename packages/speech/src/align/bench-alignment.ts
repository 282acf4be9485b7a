import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcmAudio, PhoneTiming, VisemeCue } from '@visemo/core';
import { phonesToVisemes, visemeToArkit } from '@visemo/core';
import { readWav } from '../audio/wav.js';
import { estimateAlignment } from './estimate.js';
import { type Alignment, ForcedAligner } from './forced-aligner.js';

/** One sentence spoken by Flite, with Flite's own phone timings as the ground truth. */
export interface AlignmentSample {
  text: string;
  audio: PcmAudio;
  truth: PhoneTiming[];
  aligned: Alignment;
  estimated: Alignment;
  alignMs: number;
}

const CLINC150 = '/work/shared/data/clinc150/data_full.json';

/** Test sentences: every 75th CLINC150 test utterance (60 of 4500), varied everyday requests. */
export function benchSentences(count = 60): string[] {
  const data = JSON.parse(readFileSync(CLINC150, 'utf8')) as { test: [string, string][] };
  const step = Math.floor(data.test.length / count);
  return Array.from({ length: count }, (_, i) => (data.test[i * step] as [string, string])[0]);
}

/**
 * Speaks `text` with the Debian `flite` CLI (voice slt). `-psdur` prints `phone:end` pairs, end
 * times in seconds from the start of the audio, e.g. `pau:0.164 hh:0.255 ax:0.304 …`.
 */
export function fliteSample(text: string, dir: string): { audio: PcmAudio; truth: PhoneTiming[] } {
  const wav = join(dir, 'sample.wav');
  const out = execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', wav, '-psdur'], { encoding: 'utf8' });
  const truth: PhoneTiming[] = [];
  let start = 0;
  for (const pair of out.trim().split(/\s+/)) {
    const colon = pair.lastIndexOf(':');
    const endMs = Number(pair.slice(colon + 1)) * 1000;
    truth.push({ phone: pair.slice(0, colon), startMs: start, endMs });
    start = endMs;
  }
  return { audio: readWav(new Uint8Array(readFileSync(wav))), truth };
}

/** Flite's lexicon writes the unstressed schwa `ax`; CMUdict writes `AH`. */
function canonical(phone: string): string {
  const p = phone.toLowerCase().replace(/\d/g, '');
  return p === 'ax' ? 'ah' : p;
}

/**
 * Pairs the phones two timelines share, in order (longest common subsequence over phone names,
 * pauses left out), since Flite's lexicon and CMUdict disagree on some pronunciations.
 */
export function matchPhones(
  a: readonly PhoneTiming[],
  b: readonly PhoneTiming[],
): [PhoneTiming, PhoneTiming][] {
  const x = a.filter((p) => p.phone !== 'pau');
  const y = b.filter((p) => p.phone !== 'pau');
  const n = x.length;
  const m = y.length;
  const dp = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = dp[i] as Int32Array;
      row[j] =
        canonical((x[i] as PhoneTiming).phone) === canonical((y[j] as PhoneTiming).phone)
          ? ((dp[i + 1] as Int32Array)[j + 1] as number) + 1
          : Math.max((dp[i + 1] as Int32Array)[j] as number, row[j + 1] as number);
    }
  }
  const pairs: [PhoneTiming, PhoneTiming][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (canonical((x[i] as PhoneTiming).phone) === canonical((y[j] as PhoneTiming).phone)) {
      pairs.push([x[i] as PhoneTiming, y[j] as PhoneTiming]);
      i++;
      j++;
    } else if (((dp[i + 1] as Int32Array)[j] as number) >= ((dp[i] as Int32Array)[j + 1] as number)) i++;
    else j++;
  }
  return pairs;
}

/** Absolute errors (ms) of the start of every shared phone and the end of the last one. */
export function boundaryErrors(truth: readonly PhoneTiming[], guess: readonly PhoneTiming[]): number[] {
  const pairs = matchPhones(truth, guess);
  const errors = pairs.map(([t, g]) => Math.abs(t.startMs - g.startMs));
  const last = pairs[pairs.length - 1];
  if (last) errors.push(Math.abs(last[0].endMs - last[1].endMs));
  return errors;
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
export async function benchAlignment(): Promise<{ name: string; value: number; unit: string }[]> {
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

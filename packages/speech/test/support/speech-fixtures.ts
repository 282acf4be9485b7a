import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcmAudio } from '@visemo/core';
import { toPipelineAudio } from '../../src/audio/resample.js';
import { readWav } from '../../src/audio/wav.js';

/**
 * Speech for tests and benchmarks, made or read at run time: Flite voices from the Debian `flite`
 * command and real recordings from Debian's pocketsphinx-testdata. Nothing here is committed audio.
 */

export const POCKETSPHINX_DATA = '/usr/share/pocketsphinx/test/data';

export const FLITE_CLI_VOICES = ['slt', 'rms', 'awb', 'kal'] as const;

export function hasFliteCli(): boolean {
  try {
    execFileSync('flite', ['-lv'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function hasPocketsphinxData(): boolean {
  return existsSync(join(POCKETSPHINX_DATA, 'cards', 'cards.gram'));
}

/** `text` spoken by a Flite voice, at 16 kHz (kal speaks at 8 kHz and is resampled). */
export function fliteSpeech(text: string, voice: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'visemo-flite-'));
  try {
    const path = join(dir, 'out.wav');
    execFileSync('flite', ['-voice', voice, '-t', text, '-o', path]);
    return toPipelineAudio(readWav(readFileSync(path))).samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readWavFile(path: string): PcmAudio {
  return toPipelineAudio(readWav(readFileSync(path)));
}

/** Headerless little-endian PCM16 (pocketsphinx-testdata's `.raw` files, 16 kHz). */
export function readRaw16(path: string): Int16Array {
  const bytes = readFileSync(path);
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** Cards recordings with their reference transcripts, from pocketsphinx-testdata. */
export function cardsRecordings(): { name: string; samples: Int16Array; text: string }[] {
  const lines = readFileSync(join(POCKETSPHINX_DATA, 'cards', 'cards.transcription'), 'utf8')
    .trim()
    .split('\n');
  return lines.map((line) => {
    const id = /\((\w+)\)\s*$/.exec(line)?.[1] as string;
    const text = line
      .replace(/<\/?s>/g, '')
      .replace(/\(\w+\)\s*$/, '')
      .trim()
      .replace(/\s+/g, ' ');
    return {
      name: `cards/${id}`,
      samples: readWavFile(join(POCKETSPHINX_DATA, 'cards', `${id}.wav`)).samples,
      text,
    };
  });
}

/** Word error count (substitutions + insertions + deletions) of `hyp` against `ref`, both space-separated. */
export function wordErrors(ref: string, hyp: string): number {
  const r = ref.split(' ').filter(Boolean);
  const h = hyp.split(' ').filter(Boolean);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const row = [i];
    for (let j = 1; j <= h.length; j++) {
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (r[i - 1] === h[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[h.length] as number;
}

/** Seeded noise, so a measurement is the same on every run. */
export function makeNoise(kind: 'white' | 'pink', length: number, seed = 1): Float32Array {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const out = new Float32Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < length; i++) {
    const w = uniform() * 3.46; // unit variance
    if (kind === 'white') out[i] = w;
    else {
      // Paul Kellet's economy pink filter.
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = (b0 + b1 + b2 + w * 0.1848) / 3.3;
    }
  }
  return out;
}

function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/** Speech power over its active 10 ms frames (within 35 dB of the loudest frame). */
export function activeRms(samples: Int16Array): number {
  const frames: number[] = [];
  for (let i = 0; i + 160 <= samples.length; i += 160) frames.push(rms(samples.subarray(i, i + 160)));
  const peak = Math.max(...frames);
  const active = frames.filter((f) => f > peak * 10 ** (-35 / 20));
  return Math.sqrt(active.reduce((s, f) => s + f * f, 0) / Math.max(1, active.length));
}

/**
 * The reference speech span of a clean signal, in ms: first and last 10 ms frame louder than the
 * largest of 30 dB below the loudest frame, 5× the recording's own noise floor (its 10th-percentile
 * frame) and an absolute floor of 100 (−50 dBFS).
 */
export function referenceSpan(samples: Int16Array): { startMs: number; endMs: number } {
  const frames: number[] = [];
  for (let i = 0; i + 160 <= samples.length; i += 160) frames.push(rms(samples.subarray(i, i + 160)));
  const sorted = [...frames].sort((a, b) => a - b);
  const peak = sorted[sorted.length - 1] as number;
  const noiseFloor = sorted[Math.floor(sorted.length * 0.1)] as number;
  const threshold = Math.max(peak * 10 ** (-30 / 20), noiseFloor * 5, 100);
  const first = frames.findIndex((f) => f > threshold);
  const last = frames.length - 1 - [...frames].reverse().findIndex((f) => f > threshold);
  return { startMs: first * 10, endMs: (last + 1) * 10 };
}

/** `speech` between silences of `beforeMs` and `afterMs`, plus noise at `snrDb` below the speech's active power. */
export function padAndMix(
  speech: Int16Array,
  beforeMs: number,
  afterMs: number,
  noise?: { kind: 'white' | 'pink'; snrDb: number; seed?: number },
): Int16Array {
  const before = beforeMs * 16;
  const out = new Float32Array(before + speech.length + afterMs * 16);
  for (let i = 0; i < speech.length; i++) out[before + i] = speech[i] as number;
  if (noise) {
    const n = makeNoise(noise.kind, out.length, noise.seed);
    const gain = (activeRms(speech) / rms(n)) * 10 ** (-noise.snrDb / 20);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (n[i] as number) * gain;
  }
  return Int16Array.from(out, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PcmAudio, PhoneTiming } from '@visemo/core';
import { readWav } from '../../src/audio/wav.js';

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

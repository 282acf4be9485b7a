import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PcmAudio, PhoneTiming } from '@visemo/core';
import { matchPhones } from '../../src/align/phone-offsets.js';
import { readWav } from '../../src/audio/wav.js';

export { matchPhones };

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

/** Absolute errors (ms) of the start of every shared phone and the end of the last one. */
export function boundaryErrors(truth: readonly PhoneTiming[], guess: readonly PhoneTiming[]): number[] {
  const pairs = matchPhones(truth, guess);
  const errors = pairs.map(([t, g]) => Math.abs(t.startMs - g.startMs));
  const last = pairs[pairs.length - 1];
  if (last) errors.push(Math.abs(last[0].endMs - last[1].endMs));
  return errors;
}

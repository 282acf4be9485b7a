import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcmAudio, PhoneTiming } from '@visemo/core';
import { decodeWav } from '../src/index.js';

/** Speech made by the Debian `flite` CLI (voice slt, 16 kHz) with Flite's own phone end times. */
export function fliteSpeech(text: string): { audio: PcmAudio; phones: PhoneTiming[] } {
  const dir = mkdtempSync(join(tmpdir(), 'providers-test-'));
  try {
    const wav = join(dir, 'speech.wav');
    const out = execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', wav, '-psdur'], {
      encoding: 'utf8',
    });
    let start = 0;
    const phones = out
      .trim()
      .split(/\s+/)
      .map((pair) => {
        const colon = pair.lastIndexOf(':');
        const endMs = Number(pair.slice(colon + 1)) * 1000;
        const phone = { phone: pair.slice(0, colon), startMs: start, endMs };
        start = endMs;
        return phone;
      });
    return { audio: decodeWav(new Uint8Array(readFileSync(wav))), phones };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from '@visemo/speech';
import { describe, expect, it } from 'vitest';
import { decodeAudio, encodeWav } from '../src/index.js';
import { fliteSpeech, pcmBytes } from './fixtures.js';

function has(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Correlation of two signals, after finding the best lag within ±`maxLag` samples (codec delay). */
function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): number {
  let best = -1;
  for (let lag = -maxLag; lag <= maxLag; lag += 4) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i += 2) {
      const x = a[i] as number;
      const y = b[i + lag] as number;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    best = Math.max(best, ab / Math.sqrt(aa * bb || 1));
  }
  return best;
}

describe('decodeAudio', () => {
  const { audio } = fliteSpeech('The quick brown fox jumps over the lazy dog.');

  it('resamples 24 kHz PCM to 16 kHz keeping the waveform', async () => {
    const decoded = await decodeAudio(pcmBytes(resample(audio, 24_000).samples), {
      type: 'pcm',
      sampleRate: 24_000,
    });
    expect(decoded.sampleRate).toBe(16_000);
    expect(bestCorrelation(audio.samples, decoded.samples, 8)).toBeGreaterThan(0.95);
  });

  it('reads WAV', async () => {
    const decoded = await decodeAudio(encodeWav(audio), { type: 'wav' });
    expect(decoded.samples).toEqual(audio.samples);
  });

  // The encoders come from Debian's lame and opus-tools; without them these two are skipped.
  it.skipIf(!has('lame'))('decodes MP3 (mpg123 in WebAssembly)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp3-'));
    try {
      writeFileSync(join(dir, 'a.wav'), encodeWav(resample(audio, 44_100)));
      execFileSync('lame', ['--quiet', '-b', '128', join(dir, 'a.wav'), join(dir, 'a.mp3')]);
      const decoded = await decodeAudio(new Uint8Array(readFileSync(join(dir, 'a.mp3'))), { type: 'mp3' });
      expect(decoded.sampleRate).toBe(16_000);
      expect(Math.abs(decoded.samples.length - audio.samples.length)).toBeLessThan(1600);
      expect(bestCorrelation(audio.samples, decoded.samples, 1200)).toBeGreaterThan(0.9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!has('opusenc'))('decodes Ogg Opus (libopus in WebAssembly)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opus-'));
    try {
      writeFileSync(join(dir, 'a.wav'), encodeWav(audio));
      execFileSync('opusenc', ['--quiet', '--bitrate', '48', join(dir, 'a.wav'), join(dir, 'a.opus')]);
      const decoded = await decodeAudio(new Uint8Array(readFileSync(join(dir, 'a.opus'))), { type: 'opus' });
      expect(decoded.sampleRate).toBe(16_000);
      expect(Math.abs(decoded.samples.length - audio.samples.length)).toBeLessThan(1600);
      expect(bestCorrelation(audio.samples, decoded.samples, 1200)).toBeGreaterThan(0.8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { StreamingResampler } from '../src/audio/resample.js';

function sine(freq: number, rate: number, seconds: number, amplitude = 12000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Amplitude of `freq` in `x` (single-bin DFT), as a fraction of full scale. */
function amplitudeAt(x: Int16Array, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += (x[i] as number) * Math.cos((2 * Math.PI * freq * i) / rate);
    im -= (x[i] as number) * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length / 32768;
}

function resampleInChunks(input: Int16Array, from: number, to: number, chunk: number): Int16Array {
  const r = new StreamingResampler(from, to);
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(r.push(input.subarray(i, i + chunk)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('StreamingResampler', () => {
  it('keeps a 1 kHz tone through 48 kHz → 16 kHz with the right length', () => {
    const input = sine(1000, 48000, 1);
    const out = resampleInChunks(input, 48000, 16000, 960);
    expect(Math.abs(out.length - 16000)).toBeLessThan(64);
    const body = out.subarray(200, out.length - 200);
    expect(amplitudeAt(body, 1000, 16000)).toBeGreaterThan(0.33);
  });

  it('removes a tone above the new Nyquist frequency instead of folding it down', () => {
    // 11 kHz at 48 kHz would alias to 5 kHz at 16 kHz without a low-pass.
    const out = resampleInChunks(sine(11000, 48000, 1), 48000, 16000, 960);
    const body = out.subarray(200, out.length - 200);
    expect(amplitudeAt(body, 5000, 16000)).toBeLessThan(0.01);
  });

  it('gives the same samples whatever the chunk size', () => {
    const input = sine(440, 44100, 0.5);
    const a = resampleInChunks(input, 44100, 16000, 441);
    const b = resampleInChunks(input, 44100, 16000, 4410);
    const n = Math.min(a.length, b.length);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('upsamples 8 kHz to 16 kHz keeping the tone', () => {
    const out = resampleInChunks(sine(500, 8000, 1), 8000, 16000, 160);
    expect(Math.abs(out.length - 16000)).toBeLessThan(64);
    expect(amplitudeAt(out.subarray(200, out.length - 200), 500, 16000)).toBeGreaterThan(0.33);
  });
});

describe('StreamingResampler with flush', () => {
  it('gives the whole-buffer result when fed in pieces and flushed', () => {
    const input = sine(700, 48000, 0.3);
    const r = new StreamingResampler(48000, 16000);
    const parts = [r.push(input.subarray(0, 1234)), r.push(input.subarray(1234)), r.flush()];
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(Math.round(input.length / 3));
  });
});

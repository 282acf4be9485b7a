import { afterAll, describe, expect, it } from 'vitest';
import { concatSamples } from '../src/audio/concat-samples.js';
import { NoiseSuppressor, suppressNoise } from '../src/audio/noise-suppressor.js';
import { FliteSynthesizer } from '../src/flite/flite-synthesizer.js';

const flite = new FliteSynthesizer();
afterAll(() => flite.close());

function energy(x: Int16Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return sum / Math.max(1, to - from);
}

/** Deterministic white noise of a given RMS. */
function noise(length: number, level: number): Int16Array {
  let seed = 7;
  return Int16Array.from({ length }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.round((seed / 2147483648 - 0.5) * level * 3.46);
  });
}

describe('NoiseSuppressor (RNNoise)', () => {
  it('keeps speech, 12 ms later, and the length of the input', async () => {
    const speech = (await flite.synthesize({ text: 'I want to check my order status.' })).audio.samples;
    const cleaned = await suppressNoise(speech);
    expect(cleaned.length).toBe(speech.length);
    const lag = 192; // 12 ms at 16 kHz
    let cross = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i + lag < speech.length; i++) {
      cross += (speech[i] as number) * (cleaned[i + lag] as number);
      a += (speech[i] as number) ** 2;
      b += (cleaned[i + lag] as number) ** 2;
    }
    expect(cross / Math.sqrt(a * b)).toBeGreaterThan(0.9);
  });

  it('takes steady noise down by more than 20 dB', async () => {
    const hiss = noise(16000 * 2, 1000);
    const cleaned = await suppressNoise(hiss);
    // After the network has settled (its first half second).
    expect(10 * Math.log10(energy(hiss, 8000) / energy(cleaned, 8000))).toBeGreaterThan(20);
  });

  it('gives the same audio however the stream is cut', async () => {
    const input = (await flite.synthesize({ text: 'Hello there.' })).audio.samples;
    const whole = await suppressNoise(input);
    const suppressor = await NoiseSuppressor.create();
    const parts: Int16Array[] = [];
    for (let i = 0; i < input.length; i += 333) parts.push(suppressor.push(input.subarray(i, i + 333)));
    parts.push(suppressor.flush());
    suppressor.close();
    const streamed = concatSamples(parts);
    expect(streamed.length).toBeGreaterThanOrEqual(input.length);
    expect(Array.from(streamed.subarray(0, input.length))).toEqual(Array.from(whole));
    expect(() => suppressor.push(input)).toThrow(/closed/);
  });
});

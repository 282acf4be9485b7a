import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CAPTURE_PROCESSOR_NAME, captureWorkletSource, Downsampler } from '../src/index.js';

function tone(hz: number, rate: number, seconds: number, amplitude = 1): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return x;
}

/** Runs `input` through in blocks of `block` samples, the way the audio thread delivers it. */
function stream(d: Downsampler, input: Float32Array, block = 128): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += block) parts.push(d.process(input.subarray(i, i + block)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Level of a sine in dB relative to full scale, skipping the filter's start-up. */
function levelDb(x: Float32Array): number {
  const tail = x.subarray(1000);
  let sum = 0;
  for (const v of tail) sum += v * v;
  return 20 * Math.log10(Math.sqrt(sum / tail.length) / Math.SQRT1_2);
}

describe('Downsampler', () => {
  for (const rate of [48_000, 44_100]) {
    it(`keeps speech frequencies and removes what would alias, from ${rate} Hz`, () => {
      for (const hz of [300, 1000, 3400, 6500]) {
        expect(
          Math.abs(levelDb(stream(new Downsampler(rate, 16_000), tone(hz, rate, 0.5)))),
          `${hz} Hz`,
        ).toBeLessThan(0.1);
      }
      // Above the new Nyquist frequency (8 kHz): sample dropping would fold these back at full level.
      for (const hz of [8500, 11_000, 15_000, 20_000]) {
        expect(levelDb(stream(new Downsampler(rate, 16_000), tone(hz, rate, 0.5))), `${hz} Hz`).toBeLessThan(
          -60,
        );
      }
    });
  }

  it('produces the output length the rate ratio gives, minus the filter delay', () => {
    const d = new Downsampler(44_100, 16_000);
    const out = stream(d, tone(440, 44_100, 2));
    const expected = 2 * 16_000 - d.delaySamples;
    expect(Math.abs(out.length - expected)).toBeLessThanOrEqual(1);
  });

  it('gives the same samples whatever the block sizes', () => {
    const input = tone(1234, 48_000, 0.3);
    const a = stream(new Downsampler(48_000, 16_000), input, 128);
    const b = stream(new Downsampler(48_000, 16_000), input, 37);
    const whole = new Downsampler(48_000, 16_000).process(input);
    expect(b.length).toBe(a.length);
    expect(whole.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(b[i]).toBeCloseTo(a[i] as number, 6);
      expect(whole[i]).toBeCloseTo(a[i] as number, 6);
    }
  });

  it('passes audio through unchanged at equal rates', () => {
    const input = tone(500, 16_000, 0.1);
    expect(Array.from(stream(new Downsampler(16_000, 16_000), input))).toEqual(Array.from(input));
  });

  it('refuses to upsample', () => {
    expect(() => new Downsampler(8000, 16_000)).toThrow(RangeError);
  });
});

describe('capture worklet source', () => {
  it('registers a processor that posts 20 ms PCM16 frames at 16 kHz with their level', () => {
    const posted: { pcm: Int16Array; rms: number }[] = [];
    const registered = new Map<string, new (options: unknown) => { process(i: Float32Array[][]): boolean }>();
    class AudioWorkletProcessor {
      readonly port = {
        onmessage: null,
        postMessage: (message: { pcm: Int16Array; rms: number }) => posted.push(message),
      };
    }
    const scope = vm.createContext({
      AudioWorkletProcessor,
      sampleRate: 48_000,
      registerProcessor: (name: string, ctor: never) => registered.set(name, ctor),
      Float32Array,
      Int16Array,
      Math,
      RangeError,
    });
    vm.runInContext(captureWorkletSource(), scope);
    const Processor = registered.get(CAPTURE_PROCESSOR_NAME);
    expect(Processor).toBeDefined();
    const processor = new (Processor as NonNullable<typeof Processor>)({
      processorOptions: { targetRate: 16_000, frameSamples: 320 },
    });
    const input = tone(440, 48_000, 1, 0.5);
    for (let i = 0; i < input.length; i += 128) {
      // Stereo input is mixed to mono.
      const block = input.subarray(i, i + 128);
      expect(processor.process([[block, block]])).toBe(true);
    }
    // One second at 16 kHz, less the filter delay, in whole 320-sample frames.
    expect(posted.length).toBe(49);
    for (const frame of posted) expect(frame.pcm.length).toBe(320);
    const last = posted[posted.length - 1] as { pcm: Int16Array; rms: number };
    expect(last.rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(Math.max(...last.pcm)).toBeGreaterThan(16_000);
    expect(Math.max(...last.pcm)).toBeLessThan(16_500);
  });
});

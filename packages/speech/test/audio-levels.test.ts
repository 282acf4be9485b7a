import { type PcmAudio, VisemoError } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { clippedShare, integratedLoudness, kWeightingFilters, leadingSilenceMs } from '../src/index.js';

/** `seconds` of a sine at `hz`, peak `amplitude` (1 = full scale), clamped to PCM16 as a converter would. */
function sine(hz: number, amplitude: number, seconds: number, sampleRate = 16000): Int16Array {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) {
    const x = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
    samples[i] = Math.max(-32768, Math.min(32767, Math.round(x * 32768)));
  }
  return samples;
}

function join(sampleRate: number, ...parts: Int16Array[]): PcmAudio {
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, sampleRate };
}

/** Peak amplitude of a sine whose RMS is `dbfs` (RMS of a full-scale sine is −3.01 dBFS). */
function peakForRms(dbfs: number): number {
  return 10 ** (dbfs / 20) * Math.SQRT2;
}

/** |H(f)|² of both K-weighting stages in dB, evaluated from the coefficients on the unit circle. */
function kWeightingGainDb(sampleRate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / sampleRate;
  let power = 1;
  for (const { b, a } of kWeightingFilters(sampleRate)) {
    const at = ([c0, c1, c2]: number[]) =>
      (c0 as number) ** 2 +
      (c1 as number) ** 2 +
      (c2 as number) ** 2 +
      2 * ((c0 as number) * (c1 as number) + (c1 as number) * (c2 as number)) * Math.cos(w) +
      2 * (c0 as number) * (c2 as number) * Math.cos(2 * w);
    power *= at(b) / at([1, ...a]);
  }
  return 10 * Math.log10(power);
}

describe('K-weighting', () => {
  it('reproduces the BS.1770-4 coefficient table at 48 kHz', () => {
    const [shelf, highPass] = kWeightingFilters(48000);
    const table = [
      1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
    ];
    for (const [i, c] of [...shelf.b, ...shelf.a].entries()) expect(c).toBeCloseTo(table[i] as number, 12);
    expect(highPass.b).toEqual([1, -2, 1]);
    expect(highPass.a[0]).toBeCloseTo(-1.99004745483398, 12);
    expect(highPass.a[1]).toBeCloseTo(0.99007225036621, 12);
  });

  it('gains 0.691 dB at 997 Hz at 48 kHz, the constant the loudness formula takes off', () => {
    expect(kWeightingGainDb(48000, 997)).toBeCloseTo(0.691, 3);
    // At 16 kHz the bilinear transform bends the shelf a little: +0.731 dB at 997 Hz.
    expect(kWeightingGainDb(16000, 997)).toBeCloseTo(0.731, 3);
  });

  it('refuses a rate it cannot weight', () => {
    expect(() => kWeightingFilters(0)).toThrow(VisemoError);
  });
});

describe('integrated loudness (BS.1770-4)', () => {
  it('reads a full-scale 997 Hz sine at 48 kHz as −3.01 LUFS, as BS.1770 states', () => {
    const loudness = integratedLoudness({ samples: sine(997, 32767 / 32768, 3, 48000), sampleRate: 48000 });
    expect(loudness).toBeCloseTo(-3.01, 2);
  });

  it('reads a sine at X dBFS RMS as X + (K-weighting gain at its frequency) − 0.691 LUFS', () => {
    for (const [hz, rms, rate] of [
      [997, -20, 16000],
      [997, -23, 48000],
      [100, -30, 16000],
      [4000, -18, 16000],
    ] as const) {
      const loudness = integratedLoudness({ samples: sine(hz, peakForRms(rms), 4, rate), sampleRate: rate });
      expect(loudness).toBeCloseTo(rms + kWeightingGainDb(rate, hz) - 0.691, 2);
    }
    // The numbers behind it: −19.96 LUFS for 997 Hz at −20 dBFS RMS at the pipeline's 16 kHz.
    expect(integratedLoudness({ samples: sine(997, peakForRms(-20), 4), sampleRate: 16000 })).toBeCloseTo(
      -19.96,
      2,
    );
  });

  it('leaves silence out by the absolute gate', () => {
    const tone = sine(997, peakForRms(-20), 3);
    const alone = integratedLoudness({ samples: tone, sampleRate: 16000 });
    const withSilence = integratedLoudness(
      join(16000, new Int16Array(16000 * 3), tone, new Int16Array(16000)),
    );
    // Blocks that straddle an edge pass the gates too: the 27 blocks inside the tone, and on each
    // side three holding 3/4, 1/2 and 1/4 of it, so the mean square is 30/33 of the tone's.
    expect(withSilence).toBeCloseTo(alone + 10 * Math.log10(30 / 33), 2);
  });

  it('leaves a passage more than 10 LU under the rest out by the relative gate', () => {
    const loud = sine(997, peakForRms(-20), 3);
    const quiet = sine(997, peakForRms(-40), 3);
    const alone = integratedLoudness({ samples: loud, sampleRate: 16000 });
    const mixed = integratedLoudness(join(16000, loud, quiet));
    // Ungated, the mean of the two halves would read 3 LU under the loud one. Gated: the 27 loud
    // blocks and the three straddling the change (3/4, 1/2, 1/4 loud), each with its quiet part.
    const straddling = [0.75, 0.5, 0.25].reduce((sum, f) => sum + f + (1 - f) / 100, 0);
    expect(mixed).toBeCloseTo(alone + 10 * Math.log10((27 + straddling) / 30), 2);
  });

  it('has no loudness for silence or audio shorter than one 400 ms block', () => {
    expect(integratedLoudness({ samples: new Int16Array(16000), sampleRate: 16000 })).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(integratedLoudness({ samples: sine(997, 0.5, 0.3), sampleRate: 16000 })).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });
});

describe('clipping', () => {
  it('counts the share of samples at the rail of an over-driven sine', () => {
    const gain = 1.5;
    const share = clippedShare({ samples: sine(997, gain, 2), sampleRate: 16000 });
    // |sin| ≥ bar/gain for 1 − (2/π)·asin(bar/gain) of the time; bar is −0.1 dBFS.
    const bar = 10 ** (-0.1 / 20);
    expect(share).toBeCloseTo(1 - (2 / Math.PI) * Math.asin(bar / gain), 2);
  });

  it('finds none in a sine peaking at −1 dBFS, nor in empty audio', () => {
    expect(clippedShare({ samples: sine(997, 10 ** (-1 / 20), 2), sampleRate: 16000 })).toBe(0);
    expect(clippedShare({ samples: new Int16Array(0), sampleRate: 16000 })).toBe(0);
  });
});

describe('leading silence', () => {
  it('is the time before the first sound, to the 10 ms frame', () => {
    const audio = join(16000, new Int16Array(16000 * 0.25), sine(440, 0.3, 1));
    expect(leadingSilenceMs(audio)).toBe(250);
  });

  it('counts a noise floor 40 dB or more under the speech as silence', () => {
    const hiss = new Int16Array(16000 * 0.5);
    for (let i = 0; i < hiss.length; i++) hiss[i] = i % 2 === 0 ? 30 : -30; // about −61 dBFS
    expect(leadingSilenceMs(join(16000, hiss, sine(440, 0.5, 1)))).toBe(500);
  });

  it('is all of the audio when nothing sounds, and nothing when sound starts at once', () => {
    expect(leadingSilenceMs({ samples: new Int16Array(8000), sampleRate: 16000 })).toBe(500);
    expect(leadingSilenceMs({ samples: sine(440, 0.3, 1), sampleRate: 16000 })).toBe(0);
  });
});

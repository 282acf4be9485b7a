import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PcmAudio, VisemoError } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { readWav, resample, toPipelineAudio, writeWav } from '../src/index.js';

/** Builds a WAVE file by hand, so each format is tested from its bytes rather than our writer. */
function waveFile(options: {
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
  frames: number[][];
  extensible?: boolean;
}): Uint8Array {
  const { format, channels, sampleRate, bits, frames } = options;
  const bytesPerSample = bits / 8;
  const blockAlign = channels * bytesPerSample;
  const data = new DataView(new ArrayBuffer(frames.length * blockAlign));
  frames.forEach((frame, i) => {
    frame.forEach((x, c) => {
      const o = i * blockAlign + c * bytesPerSample;
      if (format === 3 && bits === 32) data.setFloat32(o, x, true);
      else if (format === 3) data.setFloat64(o, x, true);
      else if (bits === 8) data.setUint8(o, Math.round(x * 127) + 128);
      else if (bits === 16) data.setInt16(o, Math.round(x * 32767), true);
      else if (bits === 24) {
        const v = Math.round(x * 8388607);
        data.setUint16(o, v & 0xffff, true);
        data.setInt8(o + 2, v >> 16);
      } else data.setInt32(o, Math.round(x * 2147483647), true);
    });
  });
  const fmtSize = options.extensible ? 40 : 16;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + data.byteLength);
  const view = new DataView(out.buffer);
  const tag = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, options.extensible ? 0xfffe : format, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  if (options.extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, bits, true);
    view.setUint32(40, channels === 2 ? 3 : 4, true);
    view.setUint16(44, format, true); // sub-format GUID, first two bytes
  }
  const dataAt = 20 + fmtSize;
  tag(dataAt, 'data');
  view.setUint32(dataAt + 4, data.byteLength, true);
  out.set(new Uint8Array(data.buffer), dataAt + 8);
  return out;
}

function sine(freq: number, rate: number, seconds: number, amplitude = 0.5): PcmAudio {
  const n = Math.round(rate * seconds);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++)
    samples[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freq * i) / rate));
  return { samples, sampleRate: rate };
}

/** Amplitude of `freq` in the middle of the signal (Goertzel over a Hann window), 0..1. */
function amplitudeAt(audio: PcmAudio, freq: number): number {
  const s = audio.samples;
  const from = Math.floor(s.length * 0.25);
  const n = Math.floor(s.length * 0.5);
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / audio.sampleRate);
  let q1 = 0;
  let q2 = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const q0 = coeff * q1 - q2 + ((s[from + i] as number) / 32768) * w;
    q2 = q1;
    q1 = q0;
  }
  const power = q1 * q1 + q2 * q2 - coeff * q1 * q2;
  return (2 * Math.sqrt(power)) / (n * 0.5);
}

const dB = (x: number) => 20 * Math.log10(x);

describe('readWav', () => {
  const frames = [
    [0.5, -0.5],
    [0.25, 0.25],
    [-1, -1],
    [0, 0.5],
  ];
  const expectedMono = [0, 0.25, -1, 0.25];

  for (const [format, bits] of [
    [1, 8],
    [1, 16],
    [1, 24],
    [1, 32],
    [3, 32],
    [3, 64],
  ] as const) {
    for (const extensible of [false, true]) {
      it(`decodes ${format === 3 ? 'float' : 'PCM'} ${bits}-bit stereo${extensible ? ' (extensible)' : ''} to mono`, () => {
        const audio = readWav(waveFile({ format, channels: 2, sampleRate: 22050, bits, frames, extensible }));
        expect(audio.sampleRate).toBe(22050);
        expect(audio.samples.length).toBe(4);
        const tolerance = bits === 8 ? 300 : 2;
        audio.samples.forEach((s, i) => {
          expect(Math.abs(s - (expectedMono[i] as number) * 32768)).toBeLessThanOrEqual(tolerance);
        });
      });
    }
  }

  it('averages any number of channels', () => {
    const audio = readWav(
      waveFile({ format: 1, channels: 6, sampleRate: 48000, bits: 16, frames: [[0.6, 0, 0, 0, 0, 0]] }),
    );
    expect(audio.samples[0]).toBeCloseTo((0.6 * 32767) / 6, -1);
  });

  it('round-trips through writeWav, and reads files sox writes', () => {
    const audio = sine(440, 16000, 0.1);
    expect(readWav(writeWav(audio))).toEqual(audio);
    const dir = mkdtempSync(join(tmpdir(), 'visemo-wav-'));
    try {
      const path = join(dir, 'tone.wav');
      execFileSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '24', path, 'synth', '0.05', 'sine', '440']);
      const fromSox = readWav(readFileSync(path));
      expect(fromSox.sampleRate).toBe(44100);
      expect(fromSox.samples.length).toBe(2205);
      // sox prints its statistics on stderr.
      const stat = spawnSync('sox', [path, '-n', 'stat'], { encoding: 'utf8' }).stderr;
      const soxPeak = Number(/Maximum amplitude:\s*([\d.]+)/.exec(stat)?.[1]);
      expect(soxPeak).toBeGreaterThan(0.5);
      expect(Math.max(...fromSox.samples) / 32768).toBeCloseTo(soxPeak, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips unknown chunks before the data', () => {
    const plain = writeWav(sine(440, 16000, 0.01));
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]); // odd size, padded
    const withList = new Uint8Array(plain.length + list.length);
    withList.set(plain.subarray(0, 36));
    withList.set(list, 36);
    withList.set(plain.subarray(36), 36 + list.length);
    expect(readWav(withList).samples).toEqual(readWav(plain).samples);
  });

  function badAudioMessage(bytes: Uint8Array): string {
    try {
      readWav(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(VisemoError);
      expect((error as VisemoError).code).toBe('bad_audio');
      const message = (error as Error).message;
      expect(message).toContain('accepted: RIFF/WAVE');
      return message;
    }
    throw new Error('readWav accepted the bytes');
  }

  it('rejects compressed WAVE encodings, naming them', () => {
    const mulaw = waveFile({ format: 1, channels: 1, sampleRate: 8000, bits: 8, frames: [[0]] });
    new DataView(mulaw.buffer).setUint16(20, 7, true);
    expect(badAudioMessage(mulaw)).toContain('mu-law');
    const adpcm = waveFile({ format: 1, channels: 1, sampleRate: 8000, bits: 16, frames: [[0]] });
    new DataView(adpcm.buffer).setUint16(20, 0x11, true);
    expect(badAudioMessage(adpcm)).toContain('IMA ADPCM');
    expect(
      badAudioMessage(waveFile({ format: 1, channels: 1, sampleRate: 8000, bits: 12, frames: [] })),
    ).toContain('12-bit');
  });

  it('rejects files that are not WAVE, saying what they are', () => {
    expect(badAudioMessage(new TextEncoder().encode('OggS\0\0\0\0\0\0\0\0\0\0'))).toContain('Ogg');
    expect(badAudioMessage(new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0]))).toContain('MP3');
    expect(badAudioMessage(new TextEncoder().encode('hello, this is text'))).toContain('no RIFF header');
    expect(badAudioMessage(new Uint8Array(3))).toContain('only 3 bytes');
  });

  it('rejects truncated files', () => {
    const full = writeWav(sine(440, 16000, 0.1));
    expect(badAudioMessage(full.subarray(0, 30))).toContain('truncated');
    expect(badAudioMessage(full.subarray(0, 1000))).toContain('truncated');
  });

  it('reads a data chunk whose size a streaming writer left as a placeholder', () => {
    const full = writeWav(sine(440, 16000, 0.01));
    new DataView(full.buffer).setUint32(40, 0xffffffff, true);
    expect(readWav(full).samples.length).toBe(160);
  });
});

describe('resample', () => {
  it('keeps a tone in the passband at its amplitude and frequency, any ratio', () => {
    for (const [from, to] of [
      [48000, 16000],
      [44100, 16000],
      [22050, 16000],
      [8000, 16000],
      [16000, 24000],
    ] as const) {
      const out = resample(sine(1000, from, 0.5), to);
      expect(out.sampleRate).toBe(to);
      expect(out.samples.length).toBe(Math.round(0.5 * to));
      expect(amplitudeAt(out, 1000)).toBeCloseTo(0.5, 2);
      expect(dB(amplitudeAt(out, 1300) / 0.5)).toBeLessThan(-60);
    }
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    // 10 kHz at 48 kHz: plain decimation to 16 kHz would fold it to 6 kHz at full amplitude.
    const out = resample(sine(10000, 48000, 0.5), 16000);
    expect(dB(amplitudeAt(out, 6000) / 0.5)).toBeLessThan(-60);
    // Away from the ends, where the tone's abrupt start and stop are real in-band content.
    const middle = out.samples.subarray(out.samples.length / 4, (out.samples.length * 3) / 4);
    const rms = Math.sqrt(middle.reduce((a, s) => a + (s / 32768) ** 2, 0) / middle.length);
    expect(dB(rms / (0.5 / Math.SQRT2))).toBeLessThan(-50);
  });

  it('creates no images when upsampling', () => {
    // 1 kHz at 8 kHz → 16 kHz: a zero-order or linear upsampler leaves an image at 7 kHz.
    const out = resample(sine(1000, 8000, 0.5), 16000);
    expect(dB(amplitudeAt(out, 7000) / 0.5)).toBeLessThan(-60);
  });

  it('returns the same audio when the rate matches, and rejects nonsense rates', () => {
    const audio = sine(440, 16000, 0.01);
    expect(resample(audio, 16000)).toBe(audio);
    expect(() => resample(audio, 0)).toThrow(VisemoError);
  });

  it('brings any rate to the pipeline rate', () => {
    const out = toPipelineAudio(sine(440, 44100, 0.2));
    expect(out.sampleRate).toBe(16000);
    expect(amplitudeAt(out, 440)).toBeCloseTo(0.5, 2);
  });
});

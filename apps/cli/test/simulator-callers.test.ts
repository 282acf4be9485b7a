import path from 'node:path';
import { loadAgent } from '@visemo/dialogue';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, describe, expect, it } from 'vitest';
import { RoomNoise, speakLine, trailingSilenceMs } from '../src/simulator/caller-audio.js';
import { randomCallers } from '../src/simulator/random-callers.js';
import { repoRoot } from './support/run-visemo.js';

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

describe('a caller in a noisy room', () => {
  const tone = new Int16Array(16000);
  for (let i = 0; i < tone.length; i++)
    tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000));

  it('adds white noise at the asked SNR under the caller’s voice, the same for the same seed', () => {
    const noise = new RoomNoise(20, 7);
    noise.calibrate({ samples: tone, sampleRate: 16000 });
    const floor = noise.mix(new Int16Array(16000));
    // 20 dB under the tone's RMS (8000/√2): a tenth of it.
    expect(rms(floor) / rms(tone)).toBeCloseTo(0.1, 2);
    const again = new RoomNoise(20, 7);
    again.calibrate({ samples: tone, sampleRate: 16000 });
    expect(again.mix(new Int16Array(320))).toEqual(floor.subarray(0, 320));
  });
});

describe('a caller who pauses mid-sentence', () => {
  const synthesizer = new FliteSynthesizer();
  afterAll(() => synthesizer.close());

  it('stops after the word the script names for as long as it asks', async () => {
    const whole = await speakLine(synthesizer, 'where is my order', 'slt');
    const paused = await speakLine(synthesizer, 'where is my order', 'slt', { afterWord: 2, ms: 500 });
    expect(paused.length - whole.length).toBe(8000);
    const { words } = await synthesizer.synthesize({ text: 'where is my order', voice: 'slt' });
    const cut = Math.round(((words[1]?.endMs ?? 0) * 16000) / 1000);
    expect(paused.subarray(cut, cut + 8000).every((s) => s === 0)).toBe(true);
    expect(paused.subarray(cut + 8000)).toEqual(whole.subarray(cut));
    // The line ends with Flite's closing pause, which is not the caller speaking.
    expect(trailingSilenceMs(whole)).toBeGreaterThan(0);
  });
});

describe('random callers', () => {
  it('come from the agent’s own intents, the same for the same seed', async () => {
    const { spec } = await loadAgent(path.join(repoRoot, 'examples/support-agent'));
    const options = { callers: 3, turns: 4, seed: 5, bargeInRate: 0.5, pauseRate: 0.5, outOfDomainRate: 0.2 };
    const callers = randomCallers(spec, options);
    expect(randomCallers(spec, options)).toEqual(callers);
    expect(callers.map((c) => c.voice)).toEqual(['slt', 'rms', 'awb']);
    const intents = new Set(spec.intents.map((i) => i.name));
    for (const step of callers.flatMap((c) => c.steps)) {
      const intent = step.expect?.intent;
      if (intent === null) continue;
      expect(intents.has(intent as string)).toBe(true);
      expect(spec.intents.find((i) => i.name === intent)?.examples).toContain(step.says);
    }
    // No caller talks over an answer before there is one.
    expect(callers.every((c) => c.steps[0]?.bargeInMs === undefined)).toBe(true);
    const offDomain = randomCallers(spec, { ...options, outOfDomainRate: 1, bargeInRate: 0, pauseRate: 0 });
    for (const step of offDomain.flatMap((c) => c.steps)) {
      expect(step).toEqual({ says: expect.any(String), expect: { intent: null } });
    }
  });
});

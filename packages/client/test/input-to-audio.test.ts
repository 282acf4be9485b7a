import { describe, expect, it } from 'vitest';
import { InputToAudioLatency } from '../src/input-to-audio.js';

describe('InputToAudioLatency', () => {
  it("measures from the input's end to the first sample heard, once per turn", () => {
    const latency = new InputToAudioLatency();
    latency.inputEnded(1000);
    latency.firstAudio(3, 1412.4, true);
    expect(latency.take(3)).toBe(412);
    expect(latency.take(3)).toBeUndefined();
  });

  it('spends an input on the first turn that answers it', () => {
    const latency = new InputToAudioLatency();
    latency.inputEnded(1000);
    latency.firstAudio(3, 1400, true);
    // A turn the server starts with no new input (no end of input since) gets no figure.
    latency.firstAudio(4, 5000, true);
    expect(latency.take(4)).toBeUndefined();
  });

  it('gives no figure while the clock is held, and none without an input', () => {
    const latency = new InputToAudioLatency();
    latency.firstAudio(1, 500, true);
    expect(latency.take(1)).toBeUndefined();
    latency.inputEnded(1000);
    latency.firstAudio(2, 1300, false);
    expect(latency.take(2)).toBeUndefined();
    latency.firstAudio(3, 1600, true);
    expect(latency.take(3)).toBeUndefined();
  });
});

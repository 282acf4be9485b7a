/**
 * The agent's voice coming back into the microphone, for tests and benchmarks of echo-aware
 * barge-in: a loudspeaker and a room made in code, no recordings.
 */

const RATE = 16000;

export interface EchoPath {
  /** From the sample sent to its echo in the microphone: playout, network both ways, the room. */
  delayMs: number;
  /** The echo's RMS relative to the played reply's, in dB (−20 … −6 on a laptop without headphones). */
  levelDb: number;
}

function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/**
 * `played` as the microphone hears it through `path`: a small loudspeaker's roll-off (a one-pole
 * low-pass near 3 kHz), the direct sound and two wall reflections (3 ms and 11 ms later, −8 and
 * −14 dB), delayed and scaled to `levelDb`. The result is as long as `played` plus the delay.
 */
export function echoOf(played: Int16Array, path: EchoPath): Float64Array {
  const delay = Math.round((path.delayMs / 1000) * RATE);
  const rolled = new Float64Array(played.length);
  let y = 0;
  for (let i = 0; i < played.length; i++) {
    y += 0.7 * ((played[i] as number) - y);
    rolled[i] = y;
  }
  const reflections = [
    { at: 0, gain: 1 },
    { at: 48, gain: 10 ** (-8 / 20) },
    { at: 176, gain: 10 ** (-14 / 20) },
  ];
  const room = new Float64Array(played.length + 176);
  for (const { at, gain } of reflections)
    for (let i = 0; i < rolled.length; i++)
      room[i + at] = (room[i + at] as number) + gain * (rolled[i] as number);
  const scale = (rms(played) * 10 ** (path.levelDb / 20)) / Math.max(1e-9, rms(room));
  const out = new Float64Array(played.length + delay);
  for (let i = 0; i < played.length; i++) out[i + delay] = (room[i] as number) * scale;
  return out;
}

/** The microphone: every part added at its start sample, with a faint noise floor; PCM16. */
export function microphone(
  length: number,
  parts: { samples: ArrayLike<number>; at: number; gainDb?: number }[],
  seed = 1,
): Int16Array {
  const mix = new Float64Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    mix[i] = ((state / 2 ** 32) * 2 - 1) * 20; // about −67 dBFS: a quiet room and a decent mic
  }
  for (const { samples, at, gainDb = 0 } of parts) {
    const g = 10 ** (gainDb / 20);
    for (let i = 0; i < samples.length && at + i < length; i++)
      if (at + i >= 0) mix[at + i] = (mix[at + i] as number) + g * (samples[i] as number);
  }
  return Int16Array.from(mix, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
}

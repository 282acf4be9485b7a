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

export function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/** The direct sound and two wall reflections, 3 ms and 11 ms later at −8 and −14 dB. */
const REFLECTIONS = [
  { at: 0, gain: 1 },
  { at: 48, gain: 10 ** (-8 / 20) },
  { at: 176, gain: 10 ** (-14 / 20) },
];
const SPAN = 177;

/**
 * A loudspeaker and a room, as a stream: what is played goes in, what the microphone hears of it
 * comes out, as many samples, `delayMs` later. A small speaker's roll-off (a one-pole low-pass near
 * 3 kHz) and the reflections colour it; its level is set so that `calibration` (the reply, played
 * in full) comes back at `levelDb`.
 */
export class EchoRoom {
  private readonly line: Float64Array;
  private at = 0;
  private rolled = 0;
  private readonly delay: number;
  private readonly scale: number;

  constructor(path: EchoPath, calibration: ArrayLike<number>) {
    this.delay = Math.round((path.delayMs / 1000) * RATE);
    this.line = new Float64Array(this.delay + SPAN + 1);
    this.scale = 1;
    if (calibration.length === 0) return;
    const probe = new EchoRoom({ delayMs: 0, levelDb: 0 }, []);
    const heard = probe.push(
      Float64Array.from({ length: calibration.length + SPAN }, (_, i) => calibration[i] ?? 0),
    );
    this.scale = (rms(calibration) * 10 ** (path.levelDb / 20)) / Math.max(1e-9, rms(heard));
  }

  push(played: ArrayLike<number>): Float64Array {
    const n = this.line.length;
    const out = new Float64Array(played.length);
    for (let i = 0; i < played.length; i++) {
      this.rolled += 0.7 * ((played[i] as number) - this.rolled);
      this.line[this.at] = this.rolled;
      let y = 0;
      for (const { at, gain } of REFLECTIONS)
        y += gain * (this.line[(this.at - this.delay - at + 2 * n) % n] as number);
      out[i] = y * this.scale;
      this.at = (this.at + 1) % n;
    }
    return out;
  }
}

/** `played` as the microphone hears it through `path`, as long as `played` plus the delay. */
export function echoOf(played: Int16Array, path: EchoPath): Float64Array {
  const room = new EchoRoom(path, played);
  const padded = new Float64Array(played.length + Math.round((path.delayMs / 1000) * RATE));
  padded.set(played);
  return room.push(padded);
}

/** A quiet room's noise floor and a decent microphone: about −67 dBFS, seeded. */
export function roomNoise(length: number, seed = 1): Float64Array {
  let state = seed >>> 0 || 1;
  return Float64Array.from({ length }, () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return ((state / 2 ** 32) * 2 - 1) * 20;
  });
}

/** `samples` scaled so that their RMS is `levelDb` relative to `reference`'s. */
export function atLevel(
  samples: ArrayLike<number>,
  reference: ArrayLike<number>,
  levelDb: number,
): Float64Array {
  const g = (rms(reference) * 10 ** (levelDb / 20)) / Math.max(1e-9, rms(samples));
  return Float64Array.from(samples, (v) => v * g);
}

export function toPcm16(x: ArrayLike<number>): Int16Array {
  return Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
}

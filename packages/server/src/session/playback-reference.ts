import { PIPELINE_SAMPLE_RATE } from '@visemo/core';
import { resample } from '@visemo/speech';

interface PlayedChunk {
  turnId: number;
  /** Where it starts on the microphone's timeline (16 kHz samples taken so far). */
  at: number;
  samples: Float32Array;
}

/**
 * What the agent is playing, laid on the microphone's timeline: each reply chunk from the mic
 * sample being taken when it was sent (or from the end of the one before, as the client queues
 * them). The echo comes back some fixed time later — playout, the network both ways, the room —
 * which the echo canceller finds; this is the reference it is found against.
 */
export class PlaybackReference {
  private chunks: PlayedChunk[] = [];
  /** Microphone samples taken so far. */
  private clock = 0;
  private gain = 1;

  /** A reply chunk was sent now (PCM16 at `sampleRate`). */
  played(turnId: number, samples: Int16Array, sampleRate: number): void {
    const at16k =
      sampleRate === PIPELINE_SAMPLE_RATE
        ? samples
        : resample({ samples, sampleRate }, PIPELINE_SAMPLE_RATE).samples;
    const last = this.chunks.at(-1);
    const at = Math.max(this.clock, last ? last.at + last.samples.length : 0);
    this.chunks.push({ turnId, at, samples: Float32Array.from(at16k) });
  }

  /** The reference for the next `length` microphone samples (zeros where nothing plays). */
  take(length: number): Float32Array {
    const out = new Float32Array(length);
    const from = this.clock;
    const to = from + length;
    for (const c of this.chunks) {
      const start = Math.max(from, c.at);
      const end = Math.min(to, c.at + c.samples.length);
      for (let t = start; t < end; t++) out[t - from] = (c.samples[t - c.at] as number) * this.gain;
    }
    this.clock = to;
    this.chunks = this.chunks.filter((c) => c.at + c.samples.length > to);
    return out;
  }

  /** Whether sent audio is still to be played (the client plays as it receives). */
  get playing(): boolean {
    return this.chunks.length > 0;
  }

  /** The turn whose audio is being played now, if any. */
  get playingTurn(): number | null {
    return this.chunks[0]?.turnId ?? null;
  }

  /** The client flushed its playback: nothing more of what was sent will be heard. */
  stop(): void {
    this.chunks = [];
    this.gain = 1;
  }

  /** The client plays at `gain` (0..1) from now on. */
  duck(gain: number): void {
    this.gain = gain;
  }
}

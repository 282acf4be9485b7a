export interface PlaybackTiming {
  /**
   * Jitter buffer: how far ahead of the clock the first chunk after silence is scheduled, in
   * seconds. It absorbs the arrival jitter of the following chunks; 80 ms is below what a listener
   * notices as a pause before an answer and above typical WebSocket jitter on a LAN or good Wi-Fi.
   */
  leadSec: number;
  /**
   * A chunk that arrives while the queue still holds at least this much audio is appended back to
   * back; one that arrives later (an underrun) starts a fresh lead, leaving a short gap.
   */
  minQueueSec: number;
}

export const DEFAULT_PLAYBACK_TIMING: PlaybackTiming = { leadSec: 0.08, minQueueSec: 0.01 };

export interface ScheduledChunk {
  turnId: number;
  seq: number;
  /** AudioContext time at which the chunk's first sample plays, in seconds. */
  startSec: number;
  durationSec: number;
}

/**
 * Where each audio chunk goes on the AudioContext clock, and how much of a turn has played — the
 * arithmetic of the playback queue, kept apart from Web Audio so it can be tested alone.
 */
export class PlaybackTimeline {
  private readonly chunks: ScheduledChunk[] = [];
  /** AudioContext time at which the queued audio runs out. */
  private queueEndSec = 0;

  constructor(private readonly timing: PlaybackTiming = DEFAULT_PLAYBACK_TIMING) {}

  /** Places a chunk right after the queued audio, or one lead after `nowSec` when the queue is dry. */
  schedule(turnId: number, seq: number, durationSec: number, nowSec: number): ScheduledChunk {
    const startSec =
      this.queueEndSec >= nowSec + this.timing.minQueueSec ? this.queueEndSec : nowSec + this.timing.leadSec;
    const chunk: ScheduledChunk = { turnId, seq, startSec, durationSec };
    this.chunks.push(chunk);
    this.queueEndSec = startSec + durationSec;
    return chunk;
  }

  /** Milliseconds of the turn's audio played by `nowSec`; chunks not yet started count 0. */
  playedMs(turnId: number, nowSec: number): number {
    let played = 0;
    for (const chunk of this.chunks) {
      if (chunk.turnId !== turnId) continue;
      played += Math.min(Math.max(nowSec - chunk.startSec, 0), chunk.durationSec);
    }
    return Math.round(played * 1000);
  }

  /** Total scheduled audio of the turn, in ms. */
  durationMs(turnId: number): number {
    let total = 0;
    for (const chunk of this.chunks) if (chunk.turnId === turnId) total += chunk.durationSec;
    return Math.round(total * 1000);
  }

  /** AudioContext time at which the turn's audio starts, or undefined when it has none. */
  startOf(turnId: number): number | undefined {
    return this.chunks.find((c) => c.turnId === turnId)?.startSec;
  }

  /** AudioContext time at which the turn's last scheduled chunk ends. */
  endOf(turnId: number): number | undefined {
    let end: number | undefined;
    for (const chunk of this.chunks) {
      if (chunk.turnId === turnId) end = Math.max(end ?? 0, chunk.startSec + chunk.durationSec);
    }
    return end;
  }

  /** Turns with audio in the queue, oldest first. */
  turns(): number[] {
    return [...new Set(this.chunks.map((c) => c.turnId))];
  }

  /** Whether any scheduled audio is still to be heard at `nowSec`. */
  isPlaying(nowSec: number): boolean {
    return this.queueEndSec > nowSec && this.chunks.length > 0;
  }

  /** Forgets a turn whose playback has been reported. */
  remove(turnId: number): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      if ((this.chunks[i] as ScheduledChunk).turnId === turnId) this.chunks.splice(i, 1);
    }
  }

  /** Empties the queue (barge-in): the next chunk starts with a fresh lead. */
  clear(): void {
    this.chunks.length = 0;
    this.queueEndSec = 0;
  }
}

/** PCM16 little-endian samples → Web Audio floats in [-1, 1). */
export function pcm16ToFloat32(pcm: Int16Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] as number) / 32768;
  return out;
}

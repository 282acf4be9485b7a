import type { ClientMessage } from '../protocol.js';

type ClientTiming = Extract<ClientMessage, { type: 'client.timing' }>;

interface PendingTiming {
  receivedAtPerfMs: number;
  firstSampleAtMs?: number;
  firstVisemeAtMs?: number;
  /** Playback of the turn is over: no first sample or viseme is still to come. */
  over: boolean;
}

/** Turns whose report is kept waiting for the renderer: more are not in flight at once. */
const KEPT_TURNS = 8;

/**
 * The `client.timing` report of each turn with audio: when its first sample was heard and its first
 * viseme drawn, in ms after its first `audio.chunk` arrived, on this side's clock alone. It goes
 * once per turn, as soon as both are known — or at the end of playback with what is known, since a
 * page without an avatar never draws a viseme.
 */
export class TurnTimingReports {
  private readonly pending = new Map<number, PendingTiming>();
  private readonly sent = new Set<number>();

  constructor(
    private readonly send: (report: ClientTiming) => void,
    /** Whether the page draws visemes at all: if not, the first sample is the whole report. */
    private readonly drawsVisemes: () => boolean,
  ) {}

  /** A turn's audio chunk arrived; the first one (seq 0) is what the delays count from. */
  chunkReceived(turnId: number, seq: number, atPerfMs: number): void {
    if (seq !== 0 || this.pending.has(turnId) || this.sent.has(turnId)) return;
    this.pending.set(turnId, { receivedAtPerfMs: atPerfMs, over: false });
    for (const id of this.pending.keys()) {
      if (this.pending.size <= KEPT_TURNS) break;
      this.pending.delete(id);
    }
  }

  /** The turn's first sample is heard at `atPerfMs` (`performance.now()`). */
  samplePlayed(turnId: number, atPerfMs: number): void {
    const timing = this.pending.get(turnId);
    if (!timing || timing.firstSampleAtMs !== undefined) return;
    timing.firstSampleAtMs = delay(timing, atPerfMs);
    this.sendIfComplete(turnId, timing);
  }

  /** The renderer drew the turn's first mouth shape at `atPerfMs`. */
  visemeDrawn(turnId: number, atPerfMs: number): void {
    const timing = this.pending.get(turnId);
    if (!timing || timing.firstVisemeAtMs !== undefined) return;
    timing.firstVisemeAtMs = delay(timing, atPerfMs);
    this.sendIfComplete(turnId, timing);
  }

  /** The turn's playback ended or was flushed: whatever is known goes now. */
  playbackEnded(turnId: number): void {
    const timing = this.pending.get(turnId);
    if (!timing) return;
    timing.over = true;
    this.sendIfComplete(turnId, timing);
  }

  private sendIfComplete(turnId: number, timing: PendingTiming): void {
    const sample = timing.firstSampleAtMs !== undefined;
    const viseme = timing.firstVisemeAtMs !== undefined || !this.drawsVisemes();
    if (!timing.over && !(sample && viseme)) return;
    this.pending.delete(turnId);
    if (timing.firstSampleAtMs === undefined && timing.firstVisemeAtMs === undefined) return;
    this.sent.add(turnId);
    // Only the newest turns can still see a late chunk; older ids need not be remembered.
    for (const id of this.sent) if (id < turnId - KEPT_TURNS) this.sent.delete(id);
    this.send({
      type: 'client.timing',
      turnId,
      ...(timing.firstSampleAtMs !== undefined ? { firstSampleAtMs: timing.firstSampleAtMs } : {}),
      ...(timing.firstVisemeAtMs !== undefined ? { firstVisemeAtMs: timing.firstVisemeAtMs } : {}),
    });
  }
}

/** The protocol takes 0–600,000 ms; a clock that ran backwards or a tab asleep for longer is clamped. */
function delay(timing: PendingTiming, atPerfMs: number): number {
  const ms = atPerfMs - timing.receivedAtPerfMs;
  return Math.round(Math.min(600_000, Math.max(0, ms)) * 10) / 10;
}

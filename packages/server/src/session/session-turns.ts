import type { SpokenReply } from './spoken-reply.js';
import type { Turn } from './turn.js';

/** A client reports playback within a turn or two; replies older than this many turns are dropped. */
const KEPT_REPLIES = 8;

/**
 * The turns of one session: their ids, the one being produced, and the last one that sent audio,
 * which the client may still be playing when the person speaks over it.
 */
export class SessionTurns {
  private counter = 0;
  private active: Turn | null = null;
  private lastSpoken: { turn: Turn; interrupted: boolean } | null = null;
  /** Recent turns' replies by turn id, so a late `playback` report still finds its turn. */
  private readonly replies = new Map<number, SpokenReply>();

  /** A turn is being produced now. */
  get producing(): boolean {
    return this.active !== null;
  }

  /** The id the next turn will take: partial transcripts carry it. */
  get upcomingId(): number {
    return this.counter;
  }

  nextId(): number {
    return this.counter++;
  }

  /**
   * `turnId` was taken by speech that turned out to be part of the next utterance: that one takes
   * the id again, so the client's caption of the piece becomes the whole. False when another id
   * was taken since.
   */
  giveBack(turnId: number): boolean {
    if (turnId !== this.counter - 1) return false;
    this.counter = turnId;
    return true;
  }

  /** Turn 0 is the greeting's, greeting or not: the first user turn is always 1. */
  skipGreeting(): void {
    this.counter = 1;
  }

  /** A resumed session goes on after its last turn (the first user turn is still at least 1). */
  continueAfter(lastTurnId: number): void {
    this.counter = Math.max(1, lastTurnId + 1);
  }

  /** Makes `turn` the one being produced; the one before it, if still going, is aborted. */
  begin(turn: Turn): void {
    this.active?.abort();
    this.active = turn;
  }

  /** The turn sent its first audio. */
  spoke(turn: Turn): void {
    this.lastSpoken = { turn, interrupted: false };
    this.replies.set(turn.id, turn.reply);
    for (const id of this.replies.keys()) if (id < turn.id - KEPT_REPLIES) this.replies.delete(id);
  }

  /** The turn's frames are done; answers whether it was interrupted. */
  end(turn: Turn): boolean {
    const interrupted = turn.aborted;
    if (this.active === turn) this.active = null;
    return interrupted;
  }

  replyOf(turnId: number): SpokenReply | undefined {
    return this.replies.get(turnId);
  }

  /**
   * Stops the avatar speaking at `now`: aborts the turn being produced or, if the client is still
   * playing an earlier turn's audio, that one. Answers which turn was interrupted, and whether it
   * had already ended (its reply was sent in full), or null when nothing was playing.
   */
  interrupt(now: number): { turnId: number; ended: boolean } | null {
    const active = this.active;
    if (active) {
      active.abort();
      this.active = null;
      if (this.lastSpoken?.turn === active) this.lastSpoken.interrupted = true;
      return { turnId: active.id, ended: false };
    }
    const last = this.lastSpoken;
    if (last && !last.interrupted && last.turn.reply.isPlayingAt(now)) {
      last.interrupted = true;
      return { turnId: last.turn.id, ended: true };
    }
    return null;
  }

  /** The session closed: the turn being produced stops. */
  abort(): void {
    this.active?.abort();
  }
}

/**
 * How long an utterance that was not understood waits for more speech before it is answered. A
 * long question outside the domain comes in several pieces (the VAD ends each at a pause): each
 * piece answered with its own apology would talk over the next.
 */
export const DEFAULT_MISSED_SPEECH_GRACE_MS = 700;

interface HeldMiss {
  timer: ReturnType<typeof setTimeout> | null;
  drop: () => void;
}

/**
 * One apology per stretch of speech: the answer to an utterance that was not understood is held
 * for a short grace period; when the person speaks again within it, the held one is dropped and
 * the stretch goes on, to be answered once it ends.
 */
export class MissedSpeech {
  private held: HeldMiss | null = null;

  constructor(private readonly graceMs = DEFAULT_MISSED_SPEECH_GRACE_MS) {}

  /** An utterance waits for its answer. */
  get holding(): boolean {
    return this.held !== null;
  }

  /** Runs `answer` after the grace period, or `drop` instead if the person speaks again first. */
  hold(answer: () => void, drop: () => void): void {
    this.speechResumed();
    if (this.graceMs <= 0) {
      answer();
      return;
    }
    const held: HeldMiss = { timer: null, drop };
    held.timer = setTimeout(() => {
      if (this.held === held) this.held = null;
      answer();
    }, this.graceMs);
    this.held = held;
  }

  /** The person speaks again: the utterance held is part of this stretch and gets no answer of its own. */
  speechResumed(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    if (held.timer) clearTimeout(held.timer);
    held.drop();
  }

  /** The session closed: nothing held is answered. */
  close(): void {
    if (this.held?.timer) clearTimeout(this.held.timer);
    this.held = null;
  }
}

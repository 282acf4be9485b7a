import type { Expression } from '../events.js';

/** Something of a reply that must wait for its audio: a sentence's caption, a change of face. */
export type ReplyCue =
  | { kind: 'caption'; turnId: number; text: string }
  | { kind: 'expression'; turnId: number; expression: Expression; intensity: number };

/**
 * Holds a reply's captions and expressions until the audio they belong to is scheduled, so the
 * page shows a sentence when it is heard rather than when its text arrives (the server sends each
 * sentence's text before synthesizing it).
 *
 * A sentence's `response.text` is matched to the `audio.chunk` with the same text; a sentence
 * whose synthesis failed has no chunk and is released with the next one, or when the turn ends.
 */
export class ReplySequencer {
  private pending: ReplyCue[] = [];

  add(cue: ReplyCue): void {
    this.pending.push(cue);
  }

  /** Cues to release when the turn's chunk with `text` starts playing, in order. */
  takeForChunk(turnId: number, text: string): ReplyCue[] {
    const ofTurn = this.pending.filter((c) => c.turnId === turnId);
    let last = ofTurn.findIndex((c) => c.kind === 'caption' && c.text === text);
    if (last < 0) last = ofTurn.findIndex((c) => c.kind === 'caption');
    const taken = last < 0 ? ofTurn : ofTurn.slice(0, last + 1);
    const takenSet = new Set(taken);
    this.pending = this.pending.filter((c) => !takenSet.has(c));
    return taken;
  }

  /** Everything the turn still holds (its audio has all been scheduled). */
  takeRest(turnId: number): ReplyCue[] {
    const taken = this.pending.filter((c) => c.turnId === turnId);
    this.pending = this.pending.filter((c) => c.turnId !== turnId);
    return taken;
  }

  /** Forgets a turn that was interrupted: its unplayed sentences were never said. */
  drop(turnId: number): void {
    this.pending = this.pending.filter((c) => c.turnId !== turnId);
  }

  clear(): void {
    this.pending = [];
  }
}

/** What the end of turn is decided from while the person pauses. */
export interface TurnSignals {
  /** The recognizer has heard a whole sentence of the domain (RecognitionStream.complete). */
  complete: boolean | undefined;
  /** What it heard begins a longer sentence of the domain (RecognitionStream.continues). */
  continues: boolean | undefined;
  /** The speech ended on a falling pitch (IntonationTracker); null when there was too little voicing. */
  falls: boolean | null;
}

export interface EndOfTurnPauses {
  /** After a sentence that is done: short, every 100 ms of waiting is heard as slowness. */
  afterPhraseMs: number;
  /**
   * After the beginning of a sentence that goes on: long enough for "I want to return… the blue
   * shoes". Without it, the VAD's own hangover.
   */
  unfinishedMs?: number;
}

/**
 * The silence that ends the turn now, or null for the VAD's own hangover. A whole sentence ends
 * the turn soon, unless it could go on and the voice stayed level ("i want to cancel" of "i want
 * to cancel my order"); the beginning of a longer sentence waits longer, unless the voice fell. A
 * recognizer that cannot tell leaves the intonation alone to decide: a fall ends the turn soon.
 */
export function endOfTurnPause(signals: TurnSignals, pauses: EndOfTurnPauses): number | null {
  const { complete, continues, falls } = signals;
  const unfinished = pauses.unfinishedMs ?? null;
  if (complete === undefined && continues === undefined) return falls ? pauses.afterPhraseMs : null;
  if (complete && !continues) return pauses.afterPhraseMs;
  if (complete) return falls === false ? unfinished : pauses.afterPhraseMs;
  if (continues) return falls === true ? null : unfinished;
  return null;
}

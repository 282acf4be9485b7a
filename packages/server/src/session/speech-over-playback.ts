/**
 * What the person says while the agent's voice plays: a barge-in, or a backchannel ("yeah",
 * "mm-hm", "okay") that lets the agent go on. Decided as "duck, then decide": at the start of
 * speech the agent's voice is turned down at once (the same audio frame), and the speech is then
 * judged by its length and its words: a real interruption stops the reply, a backchannel brings the
 * voice back and is not a turn. Rationale and measurements: docs/decisions/0186-duck-then-decide.md.
 */

/** Words that acknowledge without taking the turn (the recognizer's partial, lower case). */
export const BACKCHANNEL_WORDS: ReadonlySet<string> = new Set([
  'yeah',
  'yes',
  'yep',
  'yup',
  'ok',
  'okay',
  'right',
  'sure',
  'uh-huh',
  'mhm',
  'mm-hm',
  'mm',
  'hmm',
  'uh',
  'um',
  'ah',
  'oh',
  'aha',
  'alright',
  'i',
  'see',
  'got',
  'it',
  'cool',
  'great',
  'good',
]);
/** Speech over the agent no longer than this is a backchannel, whatever its words (ms). */
export const BACKCHANNEL_MS = 600;
/** Speech made only of backchannel words ("okay okay yeah") may go on this long (ms). */
const BACKCHANNEL_WORDS_MS = 1500;
/**
 * The silence that ends speech while a backchannel is being decided: short, so that a "yeah" is
 * over soon after it is said, long enough to bridge a comma in a real interruption (ms).
 */
export const DECIDING_HANGOVER_MS = 250;
/** The VAD's and the echo gate's frames hear an end up to this late (ms). */
const END_SLACK_MS = 100;
/** How loud the agent's voice plays while the person's speech is judged: −20 dB. */
export const DUCK_GAIN = 0.1;

export interface SpeechOverPlaybackOptions {
  /** Whether the agent's voice is playing now. */
  playing(): boolean;
}

export class SpeechOverPlayback {
  /** Start of the speech being judged, on the VAD's timeline (ms), or null when nothing is. */
  private judgedFrom: number | null = null;
  private heardMs = 0;

  constructor(private readonly options: SpeechOverPlaybackOptions) {}

  /** The audio the VAD has been fed, in ms: the clock speech is judged on. */
  advance(ms: number): void {
    this.heardMs += ms;
  }

  /** Speech started at `atMs`: duck while the agent plays (and judge it), else barge in now. */
  started(atMs: number): 'duck' | 'barge-in' {
    if (!this.options.playing()) return 'barge-in';
    this.judgedFrom = atMs;
    return 'duck';
  }

  /**
   * The speech being judged goes on, with the recognizer's words so far: true when it is no
   * backchannel (too long, or a word that is none), and must stop the reply now.
   */
  stopsReply(partial: string): boolean {
    if (this.judgedFrom === null) return false;
    const words = wordsOf(partial);
    const others = words.filter((w) => !BACKCHANNEL_WORDS.has(w)).length;
    const onlyBackchannel = words.length > 0 && others === 0;
    // Past the limit, the hangover and the slack, the speech has surely lasted longer than a backchannel.
    const limit =
      (onlyBackchannel ? BACKCHANNEL_WORDS_MS : BACKCHANNEL_MS) + DECIDING_HANGOVER_MS + END_SLACK_MS;
    // Three words that acknowledge nothing are an interruption however short (open-vocabulary ASR).
    if (this.heardMs - this.judgedFrom < limit && others < 3) return false;
    this.judgedFrom = null;
    return true;
  }

  /**
   * The speech ended at `atMs`: a backchannel; an interruption that was being judged (the reply
   * must stop before its turn); or a turn like any other.
   */
  ended(atMs: number, partial: string): 'backchannel' | 'interruption' | 'turn' {
    const from = this.judgedFrom;
    this.judgedFrom = null;
    if (from === null) return 'turn';
    const words = wordsOf(partial);
    if (atMs - from <= BACKCHANNEL_MS + END_SLACK_MS) return 'backchannel';
    return words.length > 0 && words.every((w) => BACKCHANNEL_WORDS.has(w)) ? 'backchannel' : 'interruption';
  }

  /** The reply was stopped some other way (push-to-talk): nothing is being judged any more. */
  settle(): void {
    this.judgedFrom = null;
  }

  /** Whether speech over the agent is being judged (its voice ducked). */
  get judging(): boolean {
    return this.judgedFrom !== null;
  }
}

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z'-]+/)
    .filter(Boolean);
}

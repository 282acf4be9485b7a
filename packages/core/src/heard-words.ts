import type { WordTiming } from './visemes-types.js';

/**
 * The words of a reply the listener heard after `playedMs` of its audio: a word counts once most
 * of it has played (docs/protocol.md, `turn.end`). The server cuts its transcript by this rule and
 * the SDK its captions, so both tell the same words.
 */
export function heardWords(words: readonly WordTiming[], playedMs: number): string {
  return words
    .filter((w) => w.startMs + (w.endMs - w.startMs) * 0.5 <= playedMs)
    .map((w) => w.word)
    .join(' ');
}

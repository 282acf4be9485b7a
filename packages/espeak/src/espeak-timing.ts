import type { PhoneTiming, WordTiming } from '@visemo/core';
import type { EspeakEvent } from './espeak-engine.js';

/**
 * eSpeak's events → phone and word timings. eSpeak reports each phone (in IPA) when its audio
 * starts and the place in the text it was read from; a phone lasts until the next one starts.
 */

/** What eSpeak writes for a pause between phrases, named as the IPA viseme table's silence. */
export const PAUSE = '_';

/**
 * eSpeak's phone names are IPA with its own marks: `-` after a reduced vowel (`ə-`). The stress
 * and length marks are IPA and stay; the viseme table ignores them.
 */
function ipaPhone(id: string): string {
  return id.replaceAll('-', '');
}

/** A phone and the place (0-based code point) in the text eSpeak read it from. */
interface PlacedPhone extends PhoneTiming {
  at: number;
}

function placedPhones(events: readonly EspeakEvent[], audioMs: number): PlacedPhone[] {
  const sounds = events.filter((e) => e.type === 'phoneme');
  const phones: PlacedPhone[] = [];
  for (let i = 0; i < sounds.length; i++) {
    const event = sounds[i] as EspeakEvent;
    // A phone that starts where the next one does (a glide before its vowel) gets no time.
    const next = sounds[i + 1];
    phones.push({
      phone: typeof event.id === 'string' && event.id !== '' ? ipaPhone(event.id) : PAUSE,
      startMs: event.audio_position,
      endMs: Math.min(next?.audio_position ?? audioMs, audioMs),
      at: event.text_position - 1,
    });
  }
  const last = phones[phones.length - 1];
  if (last && last.endMs < audioMs)
    phones.push({ phone: PAUSE, startMs: last.endMs, endMs: audioMs, at: -1 });
  return phones.filter((p) => p.endMs > p.startMs);
}

/** Phone spans from `events`, contiguous from the first phone to `audioMs`. */
export function phonesFromEvents(events: readonly EspeakEvent[], audioMs: number): PhoneTiming[] {
  return placedPhones(events, audioMs).map(({ phone, startMs, endMs }) => ({ phone, startMs, endMs }));
}

/** A written word: a run of non-space text without its surrounding punctuation. */
interface WrittenWord {
  word: string;
  /** Span in code points, 0-based, end exclusive. */
  start: number;
  end: number;
}

function writtenWords(text: string): WrittenWord[] {
  const points = Array.from(text);
  const words: WrittenWord[] = [];
  let start = -1;
  for (let i = 0; i <= points.length; i++) {
    const point = points[i];
    if (point !== undefined && !/\s/u.test(point)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    let from = start;
    let to = i;
    while (from < to && !/[\p{L}\p{N}]/u.test(points[from] as string)) from++;
    while (to > from && !/[\p{L}\p{N}]/u.test(points[to - 1] as string)) to--;
    if (to > from) words.push({ word: points.slice(from, to).join(''), start: from, end: to });
    start = -1;
  }
  return words;
}

/**
 * One timing per written word of `text`, in order. A word's span is that of the phones eSpeak
 * read from it (a number's several spoken words stay one written word, a "pourriez-vous" one) and
 * from the symbols after it. A word eSpeak read nothing from gets the gap before the next word.
 */
export function wordsFromEvents(text: string, events: readonly EspeakEvent[], audioMs: number): WordTiming[] {
  const words = writtenWords(text);
  const spans = words.map(() => ({ startMs: Number.POSITIVE_INFINITY, endMs: Number.NEGATIVE_INFINITY }));
  for (const phone of placedPhones(events, audioMs)) {
    if (phone.phone === PAUSE) continue;
    // A symbol eSpeak reads aloud ("3 €" → "trois euros") belongs to the word before it.
    const after = words.findIndex((w) => w.start > phone.at);
    const span = spans[after < 0 ? words.length - 1 : Math.max(0, after - 1)];
    if (!span) continue;
    span.startMs = Math.min(span.startMs, phone.startMs);
    span.endMs = Math.max(span.endMs, phone.endMs);
  }
  const out: WordTiming[] = [];
  for (let i = 0; i < words.length; i++) {
    const span = spans[i] as { startMs: number; endMs: number };
    const previousEnd = out[out.length - 1]?.endMs ?? 0;
    if (Number.isFinite(span.startMs)) {
      const startMs = Math.max(span.startMs, previousEnd);
      out.push({ word: (words[i] as WrittenWord).word, startMs, endMs: Math.max(startMs, span.endMs) });
    } else {
      const next = spans.slice(i + 1).find((s) => Number.isFinite(s.startMs))?.startMs ?? audioMs;
      out.push({
        word: (words[i] as WrittenWord).word,
        startMs: previousEnd,
        endMs: Math.max(previousEnd, next),
      });
    }
  }
  return out;
}

import { ENGLISH, type EntityMatch, type EntitySpec, type SpokenLanguage } from '@visemo/core';
import { readDigits, readNumber } from './numbers.js';
import { tokenize } from './text.js';

export interface EntityExtractor {
  /** Entity mentions in `text`, ordered by position. Mentions of one entity never overlap. */
  extract(text: string): EntityMatch[];
}

export interface EntityExtractorOptions {
  /**
   * Words that are never taken for a misspelt entity value, because they are real words of the
   * domain (e.g. every word of the agent's examples): "parts" is not a typo of "Paris" there.
   */
  knownWords?: Iterable<string>;
  /** The language numbers and digit codes are said in. Default English. */
  language?: SpokenLanguage;
}

interface Surface {
  entity: string;
  value: string;
  /** Folded tokens of the value or synonym. */
  words: string[];
  joined: string;
}

interface Candidate {
  entity: string;
  value: string;
  from: number;
  to: number;
  distance: number;
}

/** Values this long or longer (letters, spaces excluded) are matched despite one typo. */
const FUZZY_MIN_LETTERS = 5;
/** ...and despite two typos from this length on. */
const FUZZY_TWO_EDITS_LETTERS = 10;

export function createEntityExtractor(
  entities: EntitySpec[],
  options: EntityExtractorOptions = {},
): EntityExtractor {
  const knownWords = new Set(options.knownWords ?? []);
  const language = options.language ?? ENGLISH;
  const surfaces: Surface[] = [];
  for (const entity of entities) {
    for (const v of entity.values ?? []) {
      for (const form of [v.value, ...v.synonyms]) {
        const words = tokenize(form).map((t) => t.norm);
        if (words.length > 0)
          surfaces.push({ entity: entity.name, value: v.value, words, joined: words.join(' ') });
      }
    }
  }
  // Two entities may share a surface form; each gets its candidate.
  const exactByEntity = new Map<string, Surface[]>();
  for (const s of surfaces) {
    const key = s.joined;
    const list = exactByEntity.get(key) ?? [];
    if (!list.some((x) => x.entity === s.entity)) list.push(s);
    exactByEntity.set(key, list);
  }
  const lengths = [...new Set(surfaces.map((s) => s.words.length))].sort((a, b) => b - a);
  const fuzzySurfaces = surfaces.filter((s) => letterCount(s.joined) >= FUZZY_MIN_LETTERS);
  const builtIns = entities.filter((e) => e.kind !== undefined);

  return {
    extract(text: string): EntityMatch[] {
      const tokens = tokenize(text);
      const words = tokens.map((t) => t.norm);
      const candidates: Candidate[] = [];

      for (let i = 0; i < words.length; i++) {
        for (const n of lengths) {
          if (i + n > words.length) continue;
          const joined = words.slice(i, i + n).join(' ');
          for (const s of exactByEntity.get(joined) ?? []) {
            candidates.push({ entity: s.entity, value: s.value, from: i, to: i + n, distance: 0 });
          }
        }
      }
      for (const s of fuzzySurfaces) {
        const n = s.words.length;
        const maxEdits = letterCount(s.joined) >= FUZZY_TWO_EDITS_LETTERS ? 2 : 1;
        for (let i = 0; i + n <= words.length; i++) {
          const span = words.slice(i, i + n);
          if (span.every((w) => knownWords.has(w))) continue;
          const joined = span.join(' ');
          if (joined === s.joined || Math.abs(joined.length - s.joined.length) > maxEdits) continue;
          const d = boundedEditDistance(joined, s.joined, maxEdits);
          if (d <= maxEdits)
            candidates.push({ entity: s.entity, value: s.value, from: i, to: i + n, distance: d });
        }
      }

      const matches: EntityMatch[] = [];
      // Longest spans first, exact before fuzzy, earlier before later; one entity's mentions
      // never overlap, and a closed-list mention is claimed by one entity only.
      candidates.sort(
        (a, b) => b.to - b.from - (a.to - a.from) || a.distance - b.distance || a.from - b.from,
      );
      const taken = new Uint8Array(words.length);
      for (const c of candidates) {
        let free = true;
        for (let k = c.from; k < c.to; k++) if (taken[k]) free = false;
        if (!free) continue;
        for (let k = c.from; k < c.to; k++) taken[k] = 1;
        matches.push(toMatch(text, tokens, c.from, c.to, c.entity, c.value));
      }

      for (const entity of builtIns) {
        for (let i = 0; i < words.length; ) {
          if (entity.kind === 'number') {
            const span = readNumber(words, i, language);
            if (span) {
              matches.push(toMatch(text, tokens, span.from, span.to, entity.name, String(span.value)));
              i = span.to;
              continue;
            }
          } else {
            const span = readDigits(words, i, language);
            if (span) {
              const min = entity.length?.min ?? 1;
              const max = entity.length?.max ?? Number.POSITIVE_INFINITY;
              if (span.digits.length >= min && span.digits.length <= max) {
                matches.push(toMatch(text, tokens, span.from, span.to, entity.name, span.digits));
              }
              i = span.to;
              continue;
            }
          }
          i++;
        }
      }
      return matches.sort((a, b) => a.start - b.start || b.end - a.end);
    },
  };
}

function toMatch(
  text: string,
  tokens: ReturnType<typeof tokenize>,
  from: number,
  to: number,
  entity: string,
  value: string,
): EntityMatch {
  const start = (tokens[from] as { start: number }).start;
  const end = (tokens[to - 1] as { end: number }).end;
  return { entity, value, text: text.slice(start, end), start, end };
}

function letterCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch !== ' ') n++;
  return n;
}

/**
 * Optimal-string-alignment distance (edits, with a swap of neighbours counting as one), stopping
 * early once every path exceeds `max`; returns `max + 1` then.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[n] as number, max + 1);
}

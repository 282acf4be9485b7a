import { visemeToAzureId } from './visemes.js';
import type { Viseme, VisemeCue, WordTiming } from './visemes-types.js';

/**
 * A viseme track in the formats other avatar tools read: Azure Speech's viseme events and Amazon
 * Polly's speech marks. Both mark only where each mouth shape starts.
 */

/** Azure's `VisemeReceived` event: `audioOffset` in ticks of 100 ns, `visemeId` 0–21. */
export interface AzureVisemeEvent {
  audioOffset: number;
  visemeId: number;
}

/** One Polly speech mark (`time` in ms); word marks carry the word's UTF-8 byte span in the text. */
export type PollySpeechMark =
  | { time: number; type: 'viseme'; value: string }
  | { time: number; type: 'word'; start: number; end: number; value: string };

const TICKS_PER_MS = 10_000;

/** Polly's viseme symbols for each of Visemo's (docs: "Viseme table" of Amazon Polly). */
const TO_POLLY: Record<Viseme, string> = {
  sil: 'sil',
  PP: 'p',
  FF: 'f',
  TH: 'T',
  DD: 't',
  kk: 'k',
  CH: 'S',
  SS: 's',
  nn: 't',
  RR: 'r',
  aa: 'a',
  E: 'e',
  ih: 'i',
  oh: 'o',
  ou: 'u',
};

export function toAzureVisemeEvents(cues: readonly VisemeCue[]): AzureVisemeEvent[] {
  return mergeRepeats(cues, visemeToAzureId).map(({ startMs, value }) => ({
    audioOffset: Math.round(startMs * TICKS_PER_MS),
    visemeId: value,
  }));
}

/**
 * Polly's speech marks for a track and its words, in time order (a word's mark before the viseme
 * that starts with it), as Polly returns them one JSON object per line.
 */
export function toPollySpeechMarks(
  cues: readonly VisemeCue[],
  words: readonly WordTiming[],
  text: string,
): PollySpeechMark[] {
  const marks: PollySpeechMark[] = [];
  let searchFrom = 0;
  const encoder = new TextEncoder();
  for (const word of words) {
    // The word as the text spells it, found in order; a word the synthesizer normalised
    // ("4" → "four") that is not in the text gets no byte span of its own and is left out.
    const at = text.toLowerCase().indexOf(word.word.toLowerCase(), searchFrom);
    if (at < 0) continue;
    const start = encoder.encode(text.slice(0, at)).length;
    const end = start + encoder.encode(text.slice(at, at + word.word.length)).length;
    marks.push({
      time: Math.round(word.startMs),
      type: 'word',
      start,
      end,
      value: text.slice(at, at + word.word.length),
    });
    searchFrom = at + word.word.length;
  }
  for (const { startMs, value } of mergeRepeats(cues, (v) => TO_POLLY[v])) {
    marks.push({ time: Math.round(startMs), type: 'viseme', value });
  }
  return marks.sort((a, b) => a.time - b.time || (a.type === 'word' ? -1 : 1) - (b.type === 'word' ? -1 : 1));
}

/** Polly's output format: one JSON object per line. */
export function formatSpeechMarks(marks: readonly PollySpeechMark[]): string {
  return marks.map((m) => JSON.stringify(m)).join('\n') + (marks.length > 0 ? '\n' : '');
}

/** Consecutive cues that map to the same symbol become one mark at the first one's start. */
function mergeRepeats<T>(cues: readonly VisemeCue[], map: (v: Viseme) => T): { startMs: number; value: T }[] {
  const out: { startMs: number; value: T }[] = [];
  for (const cue of cues) {
    const value = map(cue.viseme);
    if (out.at(-1)?.value === value) continue;
    out.push({ startMs: cue.startMs, value });
  }
  return out;
}

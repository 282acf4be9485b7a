import { describe, expect, it } from 'vitest';
import { formatSpeechMarks, toAzureVisemeEvents, toPollySpeechMarks } from '../src/viseme-exports.js';
import type { VisemeCue } from '../src/visemes-types.js';

const cues: VisemeCue[] = [
  { viseme: 'sil', startMs: 0, endMs: 120 },
  { viseme: 'PP', startMs: 120, endMs: 180 },
  { viseme: 'aa', startMs: 180, endMs: 300 },
  { viseme: 'aa', startMs: 300, endMs: 340 },
  { viseme: 'nn', startMs: 340, endMs: 400.4 },
  { viseme: 'DD', startMs: 400.4, endMs: 460 },
  { viseme: 'sil', startMs: 460, endMs: 600 },
];

describe('viseme track exports', () => {
  it('give Azure viseme events in 100 ns ticks with Azure’s IDs, one per change of shape', () => {
    expect(toAzureVisemeEvents(cues)).toEqual([
      { audioOffset: 0, visemeId: 0 },
      { audioOffset: 1_200_000, visemeId: 21 },
      { audioOffset: 1_800_000, visemeId: 2 },
      { audioOffset: 3_400_000, visemeId: 14 },
      { audioOffset: 4_004_000, visemeId: 19 },
      { audioOffset: 4_600_000, visemeId: 0 },
    ]);
  });

  it('give Polly speech marks: words with UTF-8 byte spans, visemes in Polly’s symbols', () => {
    const text = 'Café pan';
    const marks = toPollySpeechMarks(
      cues,
      [
        { word: 'café', startMs: 0, endMs: 100 },
        { word: 'pan', startMs: 120, endMs: 460 },
      ],
      text,
    );
    expect(marks).toEqual([
      { time: 0, type: 'word', start: 0, end: 5, value: 'Café' },
      { time: 0, type: 'viseme', value: 'sil' },
      { time: 120, type: 'word', start: 6, end: 9, value: 'pan' },
      { time: 120, type: 'viseme', value: 'p' },
      { time: 180, type: 'viseme', value: 'a' },
      // nn and DD are both Polly's `t`: one mark.
      { time: 340, type: 'viseme', value: 't' },
      { time: 460, type: 'viseme', value: 'sil' },
    ]);
    const bytes = new TextEncoder().encode(text);
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('Café');
    expect(formatSpeechMarks(marks).split('\n')[1]).toBe('{"time":0,"type":"viseme","value":"sil"}');
  });

  it('leave out a word the text does not spell, keeping the rest in order', () => {
    const marks = toPollySpeechMarks(
      [],
      [
        { word: 'four', startMs: 0, endMs: 200 },
        { word: 'items', startMs: 200, endMs: 500 },
      ],
      '4 items',
    );
    expect(marks).toEqual([{ time: 200, type: 'word', start: 2, end: 7, value: 'items' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { ReplySequencer } from '../src/index.js';

describe('ReplySequencer', () => {
  it('releases each sentence with the audio chunk that speaks it, expressions first', () => {
    const s = new ReplySequencer();
    s.add({ kind: 'expression', turnId: 1, expression: 'happy', intensity: 0.8 });
    s.add({ kind: 'caption', turnId: 1, text: 'Hello.' });
    s.add({ kind: 'caption', turnId: 1, text: 'How can I help?' });
    expect(s.takeForChunk(1, 'Hello.').map((c) => c.kind)).toEqual(['expression', 'caption']);
    expect(s.takeForChunk(1, 'How can I help?')).toEqual([
      { kind: 'caption', turnId: 1, text: 'How can I help?' },
    ]);
    expect(s.takeRest(1)).toEqual([]);
  });

  it('lets a sentence without audio (synthesis failed) go out with the next chunk or at turn end', () => {
    const s = new ReplySequencer();
    s.add({ kind: 'caption', turnId: 2, text: 'First.' });
    s.add({ kind: 'caption', turnId: 2, text: 'Second.' });
    s.add({ kind: 'caption', turnId: 2, text: 'Third.' });
    expect(s.takeForChunk(2, 'Second.').map((c) => c.kind === 'caption' && c.text)).toEqual([
      'First.',
      'Second.',
    ]);
    expect(s.takeRest(2).map((c) => c.kind === 'caption' && c.text)).toEqual(['Third.']);
  });

  it('keeps turns apart and drops an interrupted one', () => {
    const s = new ReplySequencer();
    s.add({ kind: 'caption', turnId: 1, text: 'Old.' });
    s.add({ kind: 'caption', turnId: 2, text: 'New.' });
    s.drop(1);
    expect(s.takeRest(1)).toEqual([]);
    expect(s.takeForChunk(2, 'New.')).toHaveLength(1);
  });
});

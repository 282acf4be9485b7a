import type { SynthesisResult } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { SessionTurns } from '../src/session/session-turns.js';
import { Turn } from '../src/session/turn.js';

function turn(id: number): Turn {
  return new Turn(id, { sessionId: 's', input: 'text', inputEndedAt: 0, synthesizer: 'tts' });
}

/** A second of audio. */
const second: SynthesisResult = {
  audio: { samples: new Int16Array(16000), sampleRate: 16000 },
  visemes: [],
  words: [{ word: 'Hello', startMs: 0, endMs: 1000 }],
};

/** `t` sends a second of audio at `now`, as its first audio. */
function speak(turns: SessionTurns, t: Turn, now: number): void {
  t.take({ type: 'audio', text: 'Hello', synthesis: second }, now);
  turns.spoke(t);
}

describe('SessionTurns', () => {
  it('numbers turns from 0, or from 1 when there is no greeting', () => {
    const greeted = new SessionTurns();
    expect([greeted.nextId(), greeted.upcomingId, greeted.nextId()]).toEqual([0, 1, 1]);
    const ungreeted = new SessionTurns();
    ungreeted.skipGreeting();
    expect(ungreeted.nextId()).toBe(1);
  });

  it('aborts the turn being produced when the next one begins', () => {
    const turns = new SessionTurns();
    const first = turn(1);
    const second = turn(2);
    turns.begin(first);
    turns.begin(second);
    expect(first.aborted).toBe(true);
    expect(turns.end(first)).toBe(true);
    expect(turns.end(second)).toBe(false);
    // The second turn ended: nothing is left to interrupt.
    expect(turns.interrupt(0)).toBeNull();
  });

  it('interrupts the turn being produced', () => {
    const turns = new SessionTurns();
    const t = turn(1);
    turns.begin(t);
    speak(turns, t, 0);
    expect(turns.interrupt(10)).toEqual({ turnId: 1, ended: false });
    expect(t.aborted).toBe(true);
    // Its audio may still play, but it was interrupted once already.
    expect(turns.interrupt(20)).toBeNull();
  });

  it('interrupts a finished turn only while the client still plays it', () => {
    const turns = new SessionTurns();
    const t = turn(1);
    turns.begin(t);
    speak(turns, t, 0);
    turns.end(t);
    expect(turns.interrupt(1500)).toBeNull(); // played out at 1000
    const u = turn(2);
    turns.begin(u);
    speak(turns, u, 2000);
    turns.end(u);
    expect(turns.interrupt(2500)).toEqual({ turnId: 2, ended: true });
    expect(turns.interrupt(2600)).toBeNull();
  });

  it('keeps the replies of the last turns for late playback reports', () => {
    const turns = new SessionTurns();
    for (let id = 1; id <= 12; id++) {
      const t = turn(id);
      turns.begin(t);
      speak(turns, t, id * 10_000);
      turns.end(t);
    }
    expect(turns.replyOf(12)?.spokenText()).toBe('Hello');
    expect(turns.replyOf(4)).toBeDefined();
    expect(turns.replyOf(3)).toBeUndefined();
  });

  it('stops the turn being produced when the session closes', () => {
    const turns = new SessionTurns();
    const t = turn(1);
    turns.begin(t);
    turns.abort();
    expect(t.aborted).toBe(true);
  });
});

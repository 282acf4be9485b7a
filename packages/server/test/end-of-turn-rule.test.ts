import { IntonationTracker } from '@visemo/speech';
import { describe, expect, it } from 'vitest';
import { endOfTurnPause } from '../src/session/end-of-turn.js';

const pauses = { afterPhraseMs: 250, unfinishedMs: 900 };

/** A voiced tone gliding from `fromHz` to `toHz` over `ms`, with harmonics like a voice. */
function glide(fromHz: number, toHz: number, ms: number): Int16Array {
  const n = Math.round((ms / 1000) * 16000);
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f = fromHz + ((toHz - fromHz) * i) / n;
    phase += (2 * Math.PI * f) / 16000;
    out[i] = Math.round(6000 * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase)));
  }
  return out;
}

describe('end of turn', () => {
  it('ends soon after a whole sentence, waits after the beginning of a longer one', () => {
    expect(endOfTurnPause({ complete: true, continues: false, falls: null }, pauses)).toBe(250);
    expect(endOfTurnPause({ complete: false, continues: true, falls: false }, pauses)).toBe(900);
    // "i want to cancel" of "i want to cancel my order": the voice decides.
    expect(endOfTurnPause({ complete: true, continues: true, falls: true }, pauses)).toBe(250);
    expect(endOfTurnPause({ complete: true, continues: true, falls: false }, pauses)).toBe(900);
    // Words the domain does not say: the VAD's own hangover.
    expect(endOfTurnPause({ complete: false, continues: false, falls: true }, pauses)).toBeNull();
    // Without a longer pause configured, an unfinished sentence gets the VAD's own.
    expect(
      endOfTurnPause({ complete: false, continues: true, falls: false }, { afterPhraseMs: 250 }),
    ).toBeNull();
  });

  it('lets intonation alone decide for a recognizer that cannot tell whole sentences', () => {
    expect(endOfTurnPause({ complete: undefined, continues: undefined, falls: true }, pauses)).toBe(250);
    expect(endOfTurnPause({ complete: undefined, continues: undefined, falls: false }, pauses)).toBeNull();
  });

  it('hears a fall at the end of an utterance, and none in a level or rising one', () => {
    const falls = (samples: Int16Array) => {
      const tracker = new IntonationTracker();
      for (let at = 0; at < samples.length; at += 320) tracker.push(samples.subarray(at, at + 320));
      return tracker.fallsAtEnd();
    };
    const join = (a: Int16Array, b: Int16Array) => {
      const out = new Int16Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    expect(falls(join(glide(180, 180, 800), glide(180, 130, 300)))).toBe(true);
    expect(falls(glide(180, 180, 1100))).toBe(false);
    expect(falls(join(glide(160, 160, 800), glide(160, 210, 300)))).toBe(false);
    // Too little voicing to tell.
    expect(falls(glide(180, 120, 100))).toBeNull();
    expect(falls(new Int16Array(16000))).toBeNull();
  });
});

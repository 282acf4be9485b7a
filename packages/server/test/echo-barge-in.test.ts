import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SileroVad } from '@visemo/speech';
import { describe, expect, it } from 'vitest';
import {
  fliteSpeech,
  hasFliteCli,
  POCKETSPHINX_DATA,
  readRaw16,
} from '../../speech/test/support/speech-fixtures.js';
import { runSpeechOverEcho, trimSilence } from './support/speech-over-echo.js';

/**
 * Barge-in on loudspeakers: a Flite reply played and heard back by the microphone at the delays
 * and levels of a laptop without headphones, with and without a person talking over it, through
 * the listening stage with the Silero VAD. The figures for both rules are in `npm run bench --
 * --only barge-in` (docs/barge-in.md).
 */

const RECORDING = join(POCKETSPHINX_DATA, 'goforward.raw');
const PATHS = [40, 120, 250].flatMap((delayMs) => [-20, -12, -6].map((levelDb) => ({ delayMs, levelDb })));
/** The person starts talking 2.5 s into the reply, at the reply's own level (close to the mic). */
const OVER_AT_MS = 2500;

describe.skipIf(!hasFliteCli())('echo-aware barge-in on loudspeakers', () => {
  const reply = fliteSpeech(
    'Your order left our warehouse this morning and should arrive on Thursday. You can follow it with the link in your email, or ask me again later.',
    'slt',
  );
  const interruption = fliteSpeech('no wait, I want to cancel it', 'rms');

  it('the VAD alone takes the agent’s own echo for the person and stops the reply', () => {
    const outcome = runSpeechOverEcho(
      'vad',
      { reply, path: { delayMs: 120, levelDb: -12 } },
      new SileroVad(),
    );
    expect(outcome.stoppedAtMs).not.toBeNull();
  });

  for (const path of PATHS) {
    const name = `${path.delayMs} ms, ${path.levelDb} dB`;

    it(`never barges in on its own echo alone (${name})`, () => {
      const outcome = runSpeechOverEcho('echo-aware', { reply, path }, new SileroVad());
      expect(outcome).toMatchObject({ stoppedAtMs: null, duckedAtMs: null, events: [] });
    });

    it(`stops for a person talking over its echo, ducking first (${name})`, () => {
      const outcome = runSpeechOverEcho(
        'echo-aware',
        { reply, path, speech: { samples: interruption, atMs: OVER_AT_MS, levelDb: 0, words: '' } },
        new SileroVad(),
      );
      expect(outcome.duckedAtMs).toBeGreaterThan(OVER_AT_MS);
      expect(outcome.stoppedAtMs).toBeGreaterThan(outcome.duckedAtMs as number);
      expect(outcome.events).toEqual([{ type: 'playback.duck', turnId: 1, gain: 0.1 }]);
    });
  }

  it.skipIf(!existsSync(RECORDING))('stops for a recorded person talking over its echo', () => {
    for (const path of [PATHS[0], PATHS.at(-1)]) {
      const outcome = runSpeechOverEcho(
        'echo-aware',
        {
          reply,
          path: path as (typeof PATHS)[number],
          speech: { samples: readRaw16(RECORDING), atMs: OVER_AT_MS, levelDb: 0, words: '' },
        },
        new SileroVad(),
      );
      expect(outcome.stoppedAtMs).toBeGreaterThan(OVER_AT_MS);
    }
  });

  for (const [word, voice] of [
    ['yeah', 'awb'],
    ['okay', 'kal'],
  ] as const) {
    it(`goes on through a backchannel "${word}" said over it`, () => {
      const samples = trimSilence(fliteSpeech(word, voice));
      for (const path of [PATHS[1], PATHS.at(-1)]) {
        const outcome = runSpeechOverEcho(
          'echo-aware',
          {
            reply,
            path: path as (typeof PATHS)[number],
            speech: { samples, atMs: OVER_AT_MS, levelDb: 0, words: word },
          },
          new SileroVad(),
        );
        expect(outcome.stoppedAtMs).toBeNull();
        expect(outcome.backchannels).toBeGreaterThan(0);
        expect(outcome.events.at(-1)).toEqual({ type: 'playback.duck', turnId: 1, gain: 1 });
      }
    });
  }
});

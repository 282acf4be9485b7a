import type { RecognitionStream, SpeechRecognizer, VoiceActivityDetector } from '@visemo/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ListeningFrame,
  type ListeningOptions,
  ListeningStage,
  MAX_UTTERANCE_MS,
} from '../src/session/listening-stage.js';
import { audio, FRAME_SAMPLES, ScriptedRecognizer, ScriptedVad } from './support/scripted-runtime.js';

/** A stage on scripted parts and a clock the test moves: 20 ms per frame fed. */
function stage(options: Partial<ListeningOptions> = {}) {
  const vad = new ScriptedVad();
  const recognizer = new ScriptedRecognizer();
  let clock = 0;
  const listening = new ListeningStage({
    vad,
    recognizer,
    inputSampleRate: 16000,
    asrTimeoutMs: 5000,
    now: () => clock,
    ...options,
  });
  /** Feeds `samples` frame by frame; answers every frame the stage produced, as readable lines. */
  const feed = (samples: Int16Array): string[] => {
    const lines: string[] = [];
    for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
      clock += 20;
      const bytes = new Uint8Array(samples.slice(at, at + FRAME_SAMPLES).buffer);
      lines.push(...[...listening.push(bytes)].map((f) => line(f, utterances)));
    }
    return lines;
  };
  const utterances: Extract<ListeningFrame, { type: 'utterance' }>[] = [];
  return { listening, vad, recognizer, feed, utterances, now: () => clock };
}

function line(frame: ListeningFrame, utterances: Extract<ListeningFrame, { type: 'utterance' }>[]): string {
  switch (frame.type) {
    case 'vad':
      return `vad ${frame.event.type} ${frame.event.atMs}`;
    case 'barge-in':
    case 'duck':
    case 'backchannel':
      return frame.type;
    case 'partial':
      return `partial "${frame.text}"`;
    case 'utterance':
      utterances.push(frame);
      return `utterance ended at ${frame.endedAt}`;
  }
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the listening stage', () => {
  it('turns speech into a barge-in, partials at most every 250 ms, and one utterance with its transcript', async () => {
    const s = stage();
    s.recognizer.expect('where is my order');
    const lines = s.feed(concat(audio(200, false), audio(1000, true), audio(300, false)));
    expect(lines).toEqual([
      'vad speech-start 220',
      'barge-in',
      // One word per 100 ms of speech heard, asked for every 250 ms.
      'partial "where is"',
      'partial "where is my order"',
      'vad speech-end 1400',
      'utterance ended at 1400',
    ]);
    await expect(s.utterances[0]?.transcript).resolves.toEqual({
      text: 'where is my order',
      confidence: 0.8125,
      understood: true,
    });
    // 200 ms before the start reached the recognizer (all there was of the 500 ms pre-roll).
    expect(s.recognizer.streams[0]?.writtenSamples).toBe(3200 + 59 * FRAME_SAMPLES);
  });

  it('sends a partial only when the guess changed', () => {
    const s = stage();
    s.recognizer.expect('yes');
    const lines = s.feed(concat(audio(1200, true)));
    expect(lines.filter((l) => l.startsWith('partial'))).toEqual(['partial "yes"']);
  });

  it('ends the turn after afterPhraseMs once the recognizer has heard a whole sentence', () => {
    const s = stage({ afterPhraseMs: 100 });
    s.recognizer.expect('stop');
    const lines = s.feed(concat(audio(300, true), audio(300, false)));
    expect(lines.filter((l) => l.startsWith('vad'))).toEqual(['vad speech-start 20', 'vad speech-end 400']);
    // Reset as speech starts, shortened once "stop" was whole, reset as the utterance ends.
    expect(s.vad.hangovers).toEqual([null, 100, null]);
  });

  it("keeps the VAD's own hangover without afterPhraseMs, or for a VAD that cannot change it", () => {
    const s = stage();
    s.recognizer.expect('stop');
    s.feed(concat(audio(300, true), audio(300, false)));
    expect(s.vad.hangovers).toEqual([null, null]);

    const vad = new ScriptedVad();
    const fixed: VoiceActivityDetector = {
      name: vad.name,
      speaking: false,
      push: (samples) => vad.push(samples),
      reset: () => vad.reset(),
    };
    const t = stage({ vad: fixed, afterPhraseMs: 100 });
    t.recognizer.expect('stop');
    expect(t.feed(concat(audio(300, true), audio(300, false))).at(-1)).toBe('utterance ended at 500');
  });

  it(`closes an utterance longer than ${MAX_UTTERANCE_MS / 1000} s and takes no more of its audio`, () => {
    const s = stage();
    s.recognizer.expect('on and on');
    const lines = s.feed(audio(MAX_UTTERANCE_MS + 1000, true)).filter((l) => !l.startsWith('partial'));
    expect(lines).toEqual(['vad speech-start 20', 'barge-in', 'utterance ended at 20040']);
    expect(s.recognizer.streams).toHaveLength(1);
    expect(s.recognizer.streams[0]?.writtenSamples).toBe(1002 * FRAME_SAMPLES);
  });

  it('ends the utterance on commit, even one the VAD never heard start', async () => {
    const s = stage();
    expect([...s.listening.commit()]).toEqual([]); // nothing heard: nothing to end
    s.recognizer.expect('quiet words');
    expect(s.feed(audio(400, false))).toEqual([]);
    const frames = [...s.listening.commit()];
    expect(frames.map((f) => f.type)).toEqual(['barge-in', 'utterance']);
    await expect((frames[1] as { transcript: Promise<unknown> }).transcript).resolves.toMatchObject({
      text: 'quiet words',
    });
    // All the audio since the last turn went to the recognizer.
    expect(s.recognizer.streams[0]?.writtenSamples).toBe(6400);
    // After the commit that audio is spent: a second commit has nothing to end.
    expect([...s.listening.commit()]).toEqual([]);
  });

  it('ends an utterance in progress on commit, and resets the VAD', () => {
    const s = stage();
    s.recognizer.expect('go');
    expect(s.feed(audio(300, true))).toEqual(['vad speech-start 20', 'barge-in', 'partial "go"']);
    expect([...s.listening.commit()].map((f) => f.type)).toEqual(['utterance']);
    expect(s.vad.speaking).toBe(false);
    expect(s.recognizer.streams).toHaveLength(1);
  });

  it('while push-to-talk is held, a pause does not end the utterance: the release does', async () => {
    const s = stage();
    s.recognizer.expect('i want to return the blue shoes');
    expect([...s.listening.hold()].map((f) => f.type)).toEqual(['barge-in']);
    const spoken = concat(audio(300, true), audio(1200, false), audio(300, true), audio(800, false));
    // No VAD event reaches the session while the key is down, and no end of speech ends the turn.
    expect(s.feed(spoken).filter((l) => !l.startsWith('partial'))).toEqual([]);
    const frames = [...s.listening.commit()];
    expect(frames.map((f) => f.type)).toEqual(['utterance']);
    expect(s.recognizer.streams).toHaveLength(1);
    // The one stream heard both phrases and the pause between them, up to the release.
    expect(s.recognizer.streams[0]?.writtenSamples).toBeGreaterThanOrEqual(((2600 - 20) / 1000) * 16000);
    await expect((frames[0] as { transcript: Promise<unknown> }).transcript).resolves.toMatchObject({
      text: 'i want to return the blue shoes',
    });
    expect(s.vad.speaking).toBe(false);
  });

  it('a press and release in silence is no turn, and leaves nothing for the next commit', () => {
    const s = stage();
    [...s.listening.hold()];
    expect(s.feed(audio(600, false))).toEqual([]);
    expect([...s.listening.commit()]).toEqual([]);
    expect(s.recognizer.streams).toHaveLength(0);
    // Without a hold, a commit would take the audio since the last turn: that silence is spent.
    expect([...s.listening.commit()]).toEqual([]);
  });

  it('after the release, the VAD ends turns again', () => {
    const s = stage();
    s.recognizer.expect('first');
    [...s.listening.hold()];
    s.feed(audio(300, true));
    [...s.listening.commit()];
    s.recognizer.expect('second');
    const lines = s.feed(concat(audio(300, true), audio(600, false))).filter((l) => !l.startsWith('partial'));
    expect(lines).toEqual([
      expect.stringMatching(/^vad speech-start/),
      'barge-in',
      expect.stringMatching(/^vad speech-end/),
      expect.stringMatching(/^utterance ended/),
    ]);
  });

  it('rejects the transcript of a failed recognizer and cancels its stream', async () => {
    const s = stage();
    s.recognizer.expect('lost', { fail: true });
    s.feed(concat(audio(300, true), audio(300, false)));
    await expect(s.utterances[0]?.transcript).rejects.toMatchObject({ code: 'provider_timeout' });
    expect(s.recognizer.streams[0]?.cancelled).toBe(true);
  });

  it('gives up on a recognizer that does not answer within asrTimeoutMs', async () => {
    vi.useFakeTimers();
    let cancelled = false;
    const silent: SpeechRecognizer = {
      name: 'silent-asr',
      sampleRate: 16000,
      start: (): RecognitionStream => ({
        write: () => {},
        partial: () => '',
        finish: () => new Promise(() => {}),
        cancel: () => {
          cancelled = true;
        },
      }),
    };
    const s = stage({ recognizer: silent, asrTimeoutMs: 800 });
    s.feed(concat(audio(300, true), audio(300, false)));
    const transcript = s.utterances[0]?.transcript;
    const outcome = expect(transcript).rejects.toMatchObject({
      code: 'provider_timeout',
      message: 'silent-asr did not answer within 800 ms',
    });
    await vi.advanceTimersByTimeAsync(800);
    await outcome;
    expect(cancelled).toBe(true);
  });

  it("gives the VAD and the recognizer the input filter's audio, and closes the filter with the stage", () => {
    let closed = false;
    // A filter that silences everything: the VAD must then hear no speech at all.
    const mute = {
      push: (samples: Int16Array) => new Int16Array(samples.length),
      close: () => (closed = true),
    };
    const s = stage({ inputFilter: mute });
    expect(s.feed(concat(audio(200, false), audio(1000, true), audio(300, false)))).toEqual([]);
    const passing = { push: (samples: Int16Array) => samples, close: () => {} };
    const t = stage({ inputFilter: passing });
    t.recognizer.expect('go');
    expect(t.feed(audio(300, true)).slice(0, 2)).toEqual(['vad speech-start 20', 'barge-in']);
    s.listening.close();
    expect(closed).toBe(true);
  });

  it('cancels the utterance being recognized when closed', () => {
    const s = stage();
    s.feed(audio(100, true));
    s.listening.close();
    expect(s.recognizer.streams[0]?.cancelled).toBe(true);
  });

  it('resamples 48 kHz input to the 16 kHz the VAD and recognizer take', () => {
    const s = stage({ inputSampleRate: 48000 });
    const input = new Int16Array(4800).fill(5000); // 100 ms at 48 kHz
    const frames = [...s.listening.push(new Uint8Array(input.buffer))];
    expect(frames[0]).toEqual({ type: 'vad', event: { type: 'speech-start', atMs: 20 } });
    // The first output of a streaming resampler lags its input a little.
    const written = s.recognizer.streams[0]?.writtenSamples ?? 0;
    expect(written).toBeGreaterThan(1500);
    expect(written).toBeLessThanOrEqual(1600);
  });
});

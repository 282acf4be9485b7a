import { type SynthesisResult, VisemoError } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { Turn } from '../src/session/turn.js';

function synthesis(words: string[]): SynthesisResult {
  return {
    audio: { samples: new Int16Array(words.length * 1600), sampleRate: 16000 },
    visemes: [{ viseme: 'aa', startMs: 0, endMs: 100 }],
    words: words.map((word, i) => ({ word, startMs: i * 100, endMs: (i + 1) * 100 })),
  };
}

/** A spoken turn whose speech ended at 1000 ms on the clock. */
function spokenTurn(): Turn {
  return new Turn(3, {
    sessionId: 'session-1',
    input: 'speech',
    inputEndedAt: 1000,
    recognizer: 'grammar-asr',
    llm: 'llama3.2',
    synthesizer: 'flite',
  });
}

describe('a turn', () => {
  it('measures each hop from the marks its frames leave', () => {
    const turn = spokenTurn();
    turn.transcribed(
      'where is order 42',
      { text: 'where is order 42', confidence: 0.9, understood: true },
      1012.34,
    );
    const nlu = {
      text: 'where is order 42',
      intent: 'order_status',
      confidence: 0.87654,
      ranking: [{ intent: 'order_status', confidence: 0.87654 }],
      entities: [{ entity: 'order_number', value: '42', text: '42', start: 15, end: 17 }],
    };
    turn.take({ type: 'nlu', result: nlu }, 1013.5);
    turn.take({ type: 'reply', answeredBy: 'flow' }, 1013.6);
    turn.take({ type: 'text', text: 'Order 42 is on its way.' }, 1020);
    turn.take(
      { type: 'audio', text: 'Order 42 is on its way.', synthesis: synthesis(['Order', '42']) },
      1051.25,
    );
    turn.take({ type: 'audio', text: 'More.', synthesis: synthesis(['More']) }, 1090);
    expect(turn.record().latency).toEqual({
      asrFinalMs: 12.3,
      nluMs: 1.16,
      dialogueMs: 6.5,
      ttsFirstAudioMs: 31.3,
      speechEndToFirstAudioMs: 51.3,
    });
  });

  it("leaves out the hops a turn did not have: a greeting's only hop is its speech", () => {
    const greeting = new Turn(0, {
      sessionId: 's',
      input: 'greeting',
      inputEndedAt: 0,
      synthesizer: 'flite',
    });
    greeting.take({ type: 'reply', answeredBy: 'greeting' }, 0);
    greeting.take({ type: 'text', text: 'Hello.' }, 0);
    greeting.take({ type: 'audio', text: 'Hello.', synthesis: synthesis(['Hello']) }, 25);
    expect(greeting.record().latency).toEqual({ ttsFirstAudioMs: 25, speechEndToFirstAudioMs: 25 });
    // Typed text has no recognizer hop.
    const typed = new Turn(1, { sessionId: 's', input: 'text', inputEndedAt: 5, synthesizer: 'flite' });
    typed.transcribed('hi', { text: 'hi', confidence: 1, understood: true }, 5);
    expect(typed.record().latency).toEqual({});
  });

  it('answers each frame with its events and audio, in the order the client gets them', () => {
    const turn = spokenTurn();
    expect(turn.take({ type: 'reply', answeredBy: 'knowledge', source: 'kb.md#Refunds' }, 0)).toEqual({
      events: [],
      firstAudio: false,
      endSession: false,
    });
    expect(turn.take({ type: 'text', text: 'Refunds take five days.' }, 0).events).toEqual([
      {
        type: 'response.text',
        turnId: 3,
        text: 'Refunds take five days.',
        answeredBy: 'knowledge',
        source: 'kb.md#Refunds',
      },
    ]);
    const first = turn.take(
      { type: 'audio', text: 'Refunds take five days.', synthesis: synthesis(['a', 'b']) },
      0,
    );
    expect(first.firstAudio).toBe(true);
    expect(first.events).toMatchObject([
      { type: 'audio.chunk', turnId: 3, seq: 0, samples: 3200, durationMs: 200 },
    ]);
    expect(first.audio).toHaveLength(3200);
    const next = turn.take({ type: 'audio', text: 'c', synthesis: synthesis(['c']) }, 0);
    expect([next.firstAudio, next.events[0]]).toMatchObject([false, { seq: 1 }]);
    const failure = new VisemoError('provider_failed', 'flite: no voice');
    expect(turn.take({ type: 'tts-failed', text: 'x', error: failure }, 0).events).toEqual([
      { type: 'error', code: 'provider_failed', message: 'flite: no voice', fatal: false },
    ]);
    expect(turn.take({ type: 'expression', expression: 'sad', intensity: 0.4 }, 0).events).toEqual([
      { type: 'expression', turnId: 3, expression: 'sad', intensity: 0.4 },
    ]);
    expect(turn.take({ type: 'handoff', reason: 'asked for a human' }, 0).events).toEqual([
      { type: 'handoff', turnId: 3, reason: 'asked for a human' },
    ]);
    expect(turn.take({ type: 'end-session' }, 0)).toEqual({
      events: [],
      firstAudio: false,
      endSession: true,
    });
  });

  it('keeps everything of the turn in one record', () => {
    const turn = spokenTurn();
    turn.transcribed('order 42', { text: 'order 42', confidence: 0.91, understood: true }, 1010);
    turn.take(
      {
        type: 'nlu',
        result: {
          text: 'order 42',
          intent: 'order_status',
          confidence: 0.8,
          ranking: [
            { intent: 'order_status', confidence: 0.8 },
            { intent: 'returns', confidence: 0.1234 },
          ],
          entities: [{ entity: 'order_number', value: '42', text: '42', start: 6, end: 8 }],
        },
      },
      1011,
    );
    turn.noted({ event: 'provider-fallback', kind: 'tts', from: 'cloud', to: 'flite' });
    const flow = { name: 'order_status', status: 'completed' };
    turn.take({ type: 'reply', answeredBy: 'flow', flow }, 1012);
    turn.take({ type: 'expression', expression: 'happy', intensity: 0.6 }, 1012);
    turn.take({ type: 'text', text: 'It left.' }, 1013);
    const [first, second] = [synthesis(['It', 'left']), synthesis(['Bye'])];
    turn.take({ type: 'audio', text: 'It left.', voice: 'slt', synthesis: first }, 1040);
    turn.take({ type: 'text', text: 'Bye.' }, 1041);
    turn.take({ type: 'audio', text: 'Bye.', voice: 'slt', synthesis: second }, 1041);
    turn.take({ type: 'handoff', reason: 'human' }, 1042);
    turn.take({ type: 'end-session' }, 1042);
    turn.abort();
    expect(turn.record()).toEqual({
      sessionId: 'session-1',
      turnId: 3,
      input: 'speech',
      user: { text: 'order 42', confidence: 0.91, understood: true },
      nlu: {
        intent: 'order_status',
        confidence: 0.8,
        entities: [{ entity: 'order_number', value: '42', text: '42' }],
        ranking: [
          { intent: 'order_status', confidence: 0.8 },
          { intent: 'returns', confidence: 0.123 },
        ],
      },
      answeredBy: 'flow',
      flow,
      expressions: [{ expression: 'happy', intensity: 0.6 }],
      // The reply's track: the second chunk's cues start where the first chunk's audio ended.
      speech: {
        voice: 'slt',
        visemes: [
          { viseme: 'aa', startMs: 0, endMs: 100 },
          { viseme: 'aa', startMs: 200, endMs: 300 },
        ],
      },
      fullReplyText: 'It left. Bye.',
      spokenText: 'It left Bye',
      interrupted: true,
      latency: { asrFinalMs: 10, nluMs: 1, dialogueMs: 2, ttsFirstAudioMs: 27, speechEndToFirstAudioMs: 40 },
      // Where each hop ended, on the session's clock; the turn ended with its last frame.
      marks: {
        inputEndedAt: 1000,
        transcriptAt: 1010,
        nluAt: 1011,
        firstTextAt: 1013,
        firstAudioAt: 1040,
        lastAudioAt: 1041,
        endedAt: 1042,
      },
      // The flow answered, not the model: no llm among the providers.
      providers: {
        asr: 'grammar-asr',
        tts: 'flite',
        notices: [{ event: 'provider-fallback', kind: 'tts', from: 'cloud', to: 'flite' }],
      },
      handoff: 'human',
      endedSession: true,
    });
  });

  it('records a turn that stopped before any answer, and a text-only one without a synthesizer', () => {
    const turn = new Turn(2, {
      sessionId: 's',
      input: 'text',
      inputEndedAt: 0,
      recognizer: 'grammar-asr',
      synthesizer: 'flite',
    });
    turn.transcribed('crash', { text: 'crash', confidence: 1, understood: true }, 0);
    turn.abort();
    expect(turn.record()).toEqual({
      sessionId: 's',
      turnId: 2,
      input: 'text',
      user: { text: 'crash', confidence: 1, understood: true },
      fullReplyText: '',
      spokenText: '',
      interrupted: true,
      latency: {},
      marks: { inputEndedAt: 0, transcriptAt: 0, endedAt: 0 },
      providers: { notices: [] },
      endedSession: false,
    });
  });

  it('names the language model among the providers when it answered', () => {
    const turn = spokenTurn();
    turn.take({ type: 'reply', answeredBy: 'llm' }, 0);
    turn.take({ type: 'text', text: 'Try a local guide.' }, 0);
    expect(turn.record().providers).toEqual({ asr: 'grammar-asr', llm: 'llama3.2', notices: [] });
  });
});

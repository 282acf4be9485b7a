import { concatSamples } from '@visemo/speech';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationSession } from '../src/session/conversation-session.js';
import {
  audio,
  FRAME_SAMPLES,
  RecordingTransport,
  type ScriptedAgent,
  scriptedAgent,
  settle,
} from './support/scripted-runtime.js';

/**
 * `speech.bargeIn: echo-aware` in a session of scripted parts: what the client is told when the
 * person speaks over the agent's voice. (Real voices and real echo: echo-barge-in.test.ts.)
 */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

async function echoAwareSession(agent: ScriptedAgent) {
  const transport = new RecordingTransport();
  const session = new ConversationSession({ ...agent.runtime, bargeIn: 'echo-aware' }, transport);
  const send = async (message: Record<string, unknown>) => {
    session.handleText(JSON.stringify(message));
    await settle();
  };
  const speak = async (samples: Int16Array) => {
    for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
      vi.advanceTimersByTime(20);
      session.handleBinary(new Uint8Array(samples.slice(at, at + FRAME_SAMPLES).buffer));
      await settle();
    }
  };
  await send({ type: 'session.start', protocol: 1, greet: false });
  return { transport, send, speak };
}

/** 100 ms of silence, `speechMs` of speech, then 500 ms of silence. */
function utterance(speechMs: number): Int16Array {
  return concatSamples([audio(100, false), audio(speechMs, true), audio(500, false)]);
}

describe('speech over the agent, echo-aware', () => {
  it('ducks the reply in the frame where speech starts, and lets a short backchannel pass', async () => {
    const agent = scriptedAgent();
    const s = await echoAwareSession(agent);
    await s.send({ type: 'text', text: 'when are you open' });
    agent.recognizer.expect('yeah');
    const mark = s.transport.log.length;
    await s.speak(utterance(200));
    expect(s.transport.since(mark)).toEqual([
      'vad speech-start 120',
      'duck 1 0.1',
      'vad speech-end 560',
      'duck 1 1',
    ]);
    // No interruption, and "yeah" is no turn: the reply goes on and nothing answers it.
    expect(agent.recognizer.streams[0]?.cancelled).toBe(true);
  });

  it('stops the reply as soon as the words over it are no backchannel', async () => {
    const agent = scriptedAgent();
    const s = await echoAwareSession(agent);
    await s.send({ type: 'text', text: 'when are you open' });
    agent.recognizer.expect('a human please now');
    const mark = s.transport.log.length;
    await s.speak(utterance(500));
    const log = s.transport.since(mark);
    // The recognizer hears a word per 100 ms: the third that is no backchannel stops the reply.
    expect(log.slice(0, 4)).toEqual([
      'vad speech-start 120',
      'duck 1 0.1',
      'interrupted 1 barge-in',
      'partial 2 "a human please"',
    ]);
    expect(log).toContain('final 2 "a human please now" 0.813 understood speech');
    expect(log).not.toContain('duck 1 1');
  });

  it('stops at once, as before, when speech starts before any of the reply plays', async () => {
    const agent = scriptedAgent();
    const s = await echoAwareSession(agent);
    agent.synthesizer.hold();
    await s.send({ type: 'text', text: 'when are you open' });
    agent.recognizer.expect('a human please');
    const mark = s.transport.log.length;
    await s.speak(utterance(400));
    expect(s.transport.since(mark).slice(0, 3)).toEqual([
      'vad speech-start 120',
      'interrupted 1 barge-in',
      'turn.end 1 interrupted "We open at nine in the morning." {"nluMs":2,"dialogueMs":5}',
    ]);
  });

  it('answers speech after the reply has played as any turn', async () => {
    const agent = scriptedAgent();
    const s = await echoAwareSession(agent);
    await s.send({ type: 'text', text: 'when are you open' });
    await s.speak(audio(1200, false));
    agent.recognizer.expect('order 8');
    const mark = s.transport.log.length;
    await s.speak(utterance(300));
    const log = s.transport.since(mark);
    expect(log[0]).toBe('vad speech-start 1320');
    expect(log).not.toContain('interrupted 1 barge-in');
    expect(log.some((line) => line.startsWith('duck'))).toBe(false);
    expect(log).toContain('final 2 "order 8" 0.813 understood speech');
  });
});

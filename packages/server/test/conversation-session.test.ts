import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationSession, type SessionOptions } from '../src/session/conversation-session.js';
import type { TurnRecord } from '../src/session/turn-record.js';
import {
  audio,
  FRAME_SAMPLES,
  RecordingTransport,
  type ScriptedAgent,
  scriptedAgent,
  settle,
} from './support/scripted-runtime.js';

/**
 * Everything a session sends, in order, for scripted conversations: each line is one event or
 * binary frame as a client receives it. The session's clock (`performance`) is faked and every
 * scripted hop spends a fixed time on it (ASR 10 ms, NLU 2, dialogue 5, TTS 30), so the latencies in
 * `turn.end` are exact.
 */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

interface Conversation {
  agent: ScriptedAgent;
  session: ConversationSession;
  transport: RecordingTransport;
  /** Sends a JSON message and lets the session do all it does before the next socket message. */
  send(message: Record<string, unknown>): Promise<void>;
  /** Feeds audio as a microphone does: 20 ms frames, the clock moving 20 ms with each. */
  speak(samples: Int16Array): Promise<void>;
}

async function converse(
  agent: ScriptedAgent,
  start: Record<string, unknown> = { greet: false },
  options: SessionOptions = {},
  transport = new RecordingTransport(),
): Promise<Conversation> {
  const session = new ConversationSession(agent.runtime, transport, options);
  const send = async (message: Record<string, unknown>) => {
    session.handleText(JSON.stringify(message));
    await settle();
  };
  await send({ type: 'session.start', protocol: 1, ...start });
  return {
    agent,
    session,
    transport,
    send,
    speak: async (samples) => {
      for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
        vi.advanceTimersByTime(20);
        session.handleBinary(frame(samples, at));
        await settle();
      }
    },
  };
}

function frame(samples: Int16Array, at: number): Uint8Array {
  return new Uint8Array(samples.slice(at, at + FRAME_SAMPLES).buffer);
}

/** 100 ms of silence, `speechMs` of speech, then `trailingMs` of silence (the VAD's hangover is 200 ms). */
function utterance(speechMs: number, trailingMs = 400): Int16Array {
  const lead = audio(100, false);
  const speech = audio(speechMs, true);
  const out = new Int16Array(lead.length + speech.length + (trailingMs / 1000) * 16000);
  out.set(lead);
  out.set(speech, lead.length);
  return out;
}

function start(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'session.start', protocol: 1, greet: false, ...extra });
}

describe('a conversation session', () => {
  it('opens, greets, and answers typed text sentence by sentence', async () => {
    const c = await converse(scriptedAgent(), { greet: true });
    await c.send({ type: 'text', text: 'when are you open' });
    await c.send({ type: 'transcript.get' });
    // Typed text while the greeting still plays interrupts it, and the transcript says so.
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'text 0 "Hello there." greeting',
      'audio 0#0 200ms words=2 "Hello there."',
      'binary 3200',
      'text 0 "How can I help?" greeting',
      'audio 0#1 400ms words=4 "How can I help?"',
      'binary 6400',
      'turn.end 0 "Hello there. How can I help?" {"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":30}',
      'interrupted 0 client',
      'final 1 "when are you open" 1 understood text',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'audio 1#0 700ms words=7 "We open at nine in the morning."',
      'binary 11200',
      'text 1 "We close at five." intent',
      'audio 1#1 400ms words=4 "We close at five."',
      'binary 6400',
      'turn.end 1 "We open at nine in the morning. We close at five." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'transcript [{"turnId":0,"role":"agent","text":"Hello there. How can I help?","interrupted":true},{"turnId":1,"role":"user","text":"when are you open"},{"turnId":1,"role":"agent","text":"We open at nine in the morning. We close at five.","interrupted":false}]',
    ]);
    expect(c.agent.synthesizer.requests).toEqual([
      {
        text: 'Hello there.',
        voice: 'low',
        leading: true,
      },
      {
        text: 'How can I help?',
        voice: 'low',
        leading: false,
      },
      {
        text: 'We open at nine in the morning.',
        voice: 'low',
        leading: true,
      },
      {
        text: 'We close at five.',
        voice: 'low',
        leading: false,
      },
    ]);
  });

  it('answers speech: partials while the person speaks, the transcript, then the turn', async () => {
    const c = await converse(scriptedAgent());
    c.agent.recognizer.expect('where is order 42');
    await c.speak(utterance(800));
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'vad speech-start 120',
      'partial 1 "where is"',
      'partial 1 "where is order 42"',
      'vad speech-end 1100',
      'final 1 "where is order 42" 0.813 understood speech',
      'nlu 1 order_status 0.912 [order_number=42] ranks=3',
      'text 1 "Order 42 is on its way." flow',
      'audio 1#0 600ms words=6 "Order 42 is on its way."',
      'binary 9600',
      'turn.end 1 "Order 42 is on its way." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
    ]);
    // The recognizer got 100 ms of pre-roll, then every frame up to the one the VAD ended speech in.
    expect(c.agent.recognizer.streams.map((s) => [s.writtenSamples, s.finished, s.cancelled])).toEqual([
      [17280, true, false],
    ]);
    expect(c.agent.vad.hangovers).toEqual([null, null]);
  });

  it('ends the turn after the shorter pause once the recognizer has heard a whole phrase', async () => {
    const c = await converse(scriptedAgent({ afterPhraseMs: 100 }));
    c.agent.recognizer.expect('where is order 42');
    await c.speak(utterance(800));
    expect(c.transport.of('vad').map((e) => `${e.state} ${e.atMs}`)).toEqual([
      'speech-start 120',
      // 100 ms after the speech, not the VAD's own 200 ms.
      'speech-end 1000',
    ]);
    expect(c.agent.vad.hangovers).toEqual([null, 100, null]);
  });

  it('stops the turn being produced in the frame where speech starts', async () => {
    const c = await converse(scriptedAgent());
    c.agent.synthesizer.hold();
    await c.send({ type: 'text', text: 'when are you open' });
    c.agent.recognizer.expect('a human please');
    await c.speak(utterance(400));
    await c.send({ type: 'transcript.get' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "when are you open" 1 understood text',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'vad speech-start 120',
      'interrupted 1 barge-in',
      'turn.end 1 interrupted "We open at nine in the morning." {"nluMs":2,"dialogueMs":5}',
      'partial 2 "a human"',
      'partial 2 "a human please"',
      'vad speech-end 700',
      'final 2 "a human please" 0.813 understood speech',
      'nlu 2 talk_to_human 0.912 [] ranks=3',
      'text 2 "Connecting you now." intent',
      'audio 2#0 300ms words=3 "Connecting you now."',
      'binary 4800',
      'handoff 2 asked for a human',
      'turn.end 2 "Connecting you now." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
      'transcript [{"turnId":1,"role":"user","text":"when are you open"},{"turnId":1,"role":"agent","text":"We open at nine in the morning.","interrupted":true},{"turnId":2,"role":"user","text":"a human please"},{"turnId":2,"role":"agent","text":"Connecting you now.","interrupted":false}]',
    ]);
    const at = c.transport.log.indexOf('interrupted 1 barge-in');
    expect(c.transport.log[at - 1]).toMatch(/^vad speech-start/);
  });

  it('interrupts a finished turn the client still plays, and keeps what it played', async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'text', text: 'when are you open' });
    vi.advanceTimersByTime(300);
    c.agent.recognizer.expect('order 8');
    await c.speak(utterance(200));
    await c.send({ type: 'playback', turnId: 1, playedMs: 450 });
    await c.send({ type: 'playback', turnId: 7, playedMs: 450 });
    await c.send({ type: 'transcript.get' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "when are you open" 1 understood text',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'audio 1#0 700ms words=7 "We open at nine in the morning."',
      'binary 11200',
      'text 1 "We close at five." intent',
      'audio 1#1 400ms words=4 "We close at five."',
      'binary 6400',
      'turn.end 1 "We open at nine in the morning. We close at five." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'vad speech-start 120',
      'interrupted 1 barge-in',
      'partial 2 "order 8"',
      'vad speech-end 500',
      'final 2 "order 8" 0.813 understood speech',
      'nlu 2 order_status 0.912 [order_number=8] ranks=3',
      'text 2 "Order 8 is on its way." flow',
      'audio 2#0 600ms words=6 "Order 8 is on its way."',
      'binary 9600',
      'turn.end 2 "Order 8 is on its way." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
      'transcript [{"turnId":1,"role":"user","text":"when are you open"},{"turnId":1,"role":"agent","text":"We open at nine in","interrupted":true},{"turnId":2,"role":"user","text":"order 8"},{"turnId":2,"role":"agent","text":"Order 8 is on its way.","interrupted":false}]',
    ]);
    // Turn 1 is no longer the dialogue's last reply: it is not told what was heard of it.
    expect(c.agent.dialogues[0]?.heard).toEqual([]);
  });

  it("takes the client's interrupt and playback reports, telling the dialogue what was heard", async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'text', text: 'when are you open' });
    await c.send({ type: 'interrupt' });
    await c.send({ type: 'interrupt' });
    await c.send({ type: 'playback', turnId: 1, playedMs: 250 });
    await c.send({ type: 'text', text: 'order 7' });
    await c.send({ type: 'playback', turnId: 1, playedMs: 100 });
    await c.send({ type: 'transcript.get' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "when are you open" 1 understood text',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'audio 1#0 700ms words=7 "We open at nine in the morning."',
      'binary 11200',
      'text 1 "We close at five." intent',
      'audio 1#1 400ms words=4 "We close at five."',
      'binary 6400',
      'turn.end 1 "We open at nine in the morning. We close at five." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'interrupted 1 client',
      'final 2 "order 7" 1 understood text',
      'nlu 2 order_status 0.912 [order_number=7] ranks=3',
      'text 2 "Order 7 is on its way." flow',
      'audio 2#0 600ms words=6 "Order 7 is on its way."',
      'binary 9600',
      'turn.end 2 "Order 7 is on its way." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'transcript [{"turnId":1,"role":"user","text":"when are you open"},{"turnId":1,"role":"agent","text":"We","interrupted":true},{"turnId":2,"role":"user","text":"order 7"},{"turnId":2,"role":"agent","text":"Order 7 is on its way.","interrupted":false}]',
    ]);
    expect(c.agent.dialogues[0]?.heard).toEqual(['We open at']);
  });

  it('ends an utterance on audio.commit, with or without a start the VAD heard', async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'audio.commit' }); // nothing heard yet: nothing happens
    c.agent.recognizer.expect('quietly open');
    await c.speak(audio(300, false));
    await c.send({ type: 'audio.commit' });
    c.agent.recognizer.expect('order 5 now');
    await c.speak(utterance(300, 0));
    await c.send({ type: 'audio.commit' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "quietly open" 0.813 understood speech',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'audio 1#0 700ms words=7 "We open at nine in the morning."',
      'binary 11200',
      'text 1 "We close at five." intent',
      'audio 1#1 400ms words=4 "We close at five."',
      'binary 6400',
      'turn.end 1 "We open at nine in the morning. We close at five." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
      'vad speech-start 420',
      'interrupted 1 barge-in',
      'partial 2 "order 5"',
      'final 2 "order 5 now" 0.813 understood speech',
      'nlu 2 order_status 0.912 [order_number=5] ranks=3',
      'text 2 "Order 5 is on its way." flow',
      'audio 2#0 600ms words=6 "Order 5 is on its way."',
      'binary 9600',
      'turn.end 2 "Order 5 is on its way." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
    ]);
    expect(c.agent.recognizer.streams.map((s) => [s.writtenSamples, s.finished, s.cancelled])).toEqual([
      [4800, true, false],
      [11200, true, false],
    ]);
  });

  it('closes an utterance that runs past 20 s for the recognizer', async () => {
    const c = await converse(scriptedAgent());
    c.agent.recognizer.expect('mumble');
    await c.speak(audio(20_500, true));
    expect(c.transport.log.filter((line) => !line.startsWith('partial'))).toEqual([
      'session.started Scripted 16000',
      'vad speech-start 20',
      'final 1 "mumble" 0.813 understood speech',
      'nlu 1 unspeakable 0.912 [] ranks=3',
      'text 1 "This is unspeakable." intent',
      'error provider_failed scripted-tts: the scripted voice cannot say it',
      'text 1 "But this is fine." intent',
      'audio 1#0 400ms words=4 "But this is fine."',
      'binary 6400',
      'turn.end 1 "But this is fine." {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":60,"speechEndToFirstAudioMs":77}',
    ]);
    expect(c.transport.of('transcript.partial').every((e) => e.turnId === 1)).toBe(true);
    // 20.04 s went to the recognizer (the frame that passed 20 s included), the rest of the speech not.
    expect(c.agent.recognizer.streams.map((s) => s.writtenSamples)).toEqual([320_640]);
  });

  it('answers one apology for a stretch of speech not understood, however many pieces the pauses cut', async () => {
    const c = await converse(scriptedAgent(), { greet: false }, { missedSpeechGraceMs: 300 });
    // Nothing scripted: the recognizer understands none of the three pieces.
    await c.speak(utterance(400));
    await c.speak(utterance(400));
    await c.speak(utterance(400));
    expect(c.transport.of('turn.end')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await settle();
    // One answer, under the first piece's turn id: the caption the client shows is one, too.
    expect(c.transport.log.filter((l) => /^(final|text|turn\.end)/.test(l))).toEqual([
      'final 1 "" 0.1 not-understood speech',
      'text 1 "Sorry, could you say that again?" fallback',
      expect.stringMatching(/^turn\.end 1 "Sorry, could you say that again\?"/),
    ]);
    expect(c.agent.recognizer.streams).toHaveLength(3);
  });

  it('answers a stretch whose last piece is understood, with no apology for the pieces before', async () => {
    const c = await converse(scriptedAgent(), { greet: false }, { missedSpeechGraceMs: 10_000 });
    await c.speak(utterance(400));
    c.agent.recognizer.expect('where is order 42');
    await c.speak(utterance(800));
    expect(c.transport.log.filter((l) => /^(final|text)/.test(l))).toEqual([
      'final 1 "where is order 42" 0.813 understood speech',
      'text 1 "Order 42 is on its way." flow',
    ]);
  });

  it('answers speech not understood at once after a push-to-talk release', async () => {
    const c = await converse(scriptedAgent(), { greet: false }, { missedSpeechGraceMs: 10_000 });
    await c.send({ type: 'audio.hold' });
    await c.speak(utterance(400));
    await c.send({ type: 'audio.commit' });
    expect(c.transport.log.filter((l) => /^(final|text)/.test(l))).toEqual([
      'final 1 "" 0.1 not-understood speech',
      'text 1 "Sorry, could you say that again?" fallback',
    ]);
  });

  it('changes the face between sentences as the reply tags them, and neither says nor captions a tag', async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'text', text: 'my parcel is late' });
    expect(c.transport.log.filter((l) => /^(expression|text|audio)/.test(l))).toEqual([
      'expression 1 concerned 0.8',
      'text 1 "I am sorry it is late." intent',
      'audio 1#0 600ms words=6 "I am sorry it is late."',
      'expression 1 happy 0.8',
      'text 1 "It arrives today." intent',
      'audio 1#1 300ms words=3 "It arrives today."',
    ]);
    expect(c.agent.synthesizer.requests.map((r) => r.text)).toEqual([
      'I am sorry it is late.',
      'It arrives today.',
    ]);
  });

  it('reports a failed recognizer and answers as for speech not understood', async () => {
    const c = await converse(scriptedAgent());
    c.agent.recognizer.expect('when are you open', { fail: true });
    await c.speak(utterance(400));
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'vad speech-start 120',
      'partial 1 "when are"',
      'partial 1 "when are you open"',
      'vad speech-end 700',
      'error provider_timeout scripted-asr did not answer within 5000 ms',
      'final 1 "" 0 not-understood speech',
      'nlu 1 null 0.2 [] ranks=0',
      'text 1 "Sorry, could you say that again?" fallback',
      'audio 1#0 600ms words=6 "Sorry, could you say that again?"',
      'binary 9600',
      'turn.end 1 "Sorry, could you say that again?" {"asrFinalMs":10,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":47}',
    ]);
    expect(c.agent.recognizer.streams[0]?.cancelled).toBe(true);
  });

  it('captions a sentence it could not speak, reports fallbacks, and passes knowledge sources', async () => {
    const c = await converse(scriptedAgent(), { voice: 'high', greet: true });
    await c.send({ type: 'text', text: 'mumble' });
    await c.send({ type: 'text', text: 'backup' });
    await c.send({ type: 'text', text: 'refund' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'text 0 "Hello there." greeting',
      'audio 0#0 200ms words=2 "Hello there."',
      'binary 3200',
      'text 0 "How can I help?" greeting',
      'audio 0#1 400ms words=4 "How can I help?"',
      'binary 6400',
      'turn.end 0 "Hello there. How can I help?" {"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":30}',
      'interrupted 0 client',
      'final 1 "mumble" 1 understood text',
      'nlu 1 unspeakable 0.912 [] ranks=3',
      'text 1 "This is unspeakable." intent',
      'error provider_failed scripted-tts: the scripted voice cannot say it',
      'text 1 "But this is fine." intent',
      'audio 1#0 400ms words=4 "But this is fine."',
      'binary 6400',
      'turn.end 1 "But this is fine." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":60,"speechEndToFirstAudioMs":67}',
      'interrupted 1 client',
      'final 2 "backup" 1 understood text',
      'nlu 2 backup 0.912 [] ranks=3',
      'text 2 "Served by the backup voice." llm',
      'provider 2 provider-fallback primary->backup',
      'audio 2#0 500ms words=5 "Served by the backup voice."',
      'binary 8000',
      'turn.end 2 "Served by the backup voice." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'interrupted 2 client',
      'final 3 "refund" 1 understood text',
      'nlu 3 refund 0.912 [] ranks=3',
      'text 3 "Refunds take five days." knowledge knowledge/returns.md#Refunds',
      'audio 3#0 400ms words=4 "Refunds take five days."',
      'binary 6400',
      'turn.end 3 "Refunds take five days." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
    ]);
    expect(new Set(c.agent.synthesizer.requests.map((r) => r.voice))).toEqual(new Set(['high']));
  });

  it('sends captions only in a text-only session, and refuses audio for an agent without speech input', async () => {
    const c = await converse(scriptedAgent({ speech: false }), { audio: false, greet: true });
    await c.send({ type: 'text', text: 'refund' });
    await c.speak(audio(20, true));
    await c.send({ type: 'audio.commit' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'text 0 "Hello there." greeting',
      'text 0 "How can I help?" greeting',
      'turn.end 0 "Hello there. How can I help?" {}',
      'final 1 "refund" 1 understood text',
      'nlu 1 refund 0.912 [] ranks=3',
      'text 1 "Refunds take five days." knowledge knowledge/returns.md#Refunds',
      'turn.end 1 "Refunds take five days." {"nluMs":2,"dialogueMs":5}',
      'error bad_audio this agent takes no speech input; send text',
      'error bad_audio this agent takes no speech input; send text',
    ]);
  });

  it('ends the session when the dialogue ends the conversation', async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'text', text: 'bye' });
    await c.send({ type: 'text', text: 'hello' });
    await c.speak(audio(20, true));
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "bye" 1 understood text',
      'nlu 1 goodbye 0.912 [] ranks=3',
      'expression 1 sad 0.8',
      'text 1 "Goodbye." intent',
      'audio 1#0 100ms words=1 "Goodbye."',
      'binary 1600',
      'turn.end 1 "Goodbye." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
      'session.ended server',
      '(transport closed)',
      'error session_closed the session has ended',
      'error session_closed the session has ended',
    ]);
    expect(c.session.isOpen).toBe(false);
  });

  it('answers an internal failure with a typed error and goes on', async () => {
    const c = await converse(scriptedAgent());
    await c.send({ type: 'text', text: 'crash' });
    await c.send({ type: 'text', text: 'order 9' });
    expect(c.transport.log).toEqual([
      'session.started Scripted 16000',
      'final 1 "crash" 1 understood text',
      'nlu 1 crash 0.912 [] ranks=3',
      'error internal internal error',
      'turn.end 1 "" {"nluMs":2}',
      'final 2 "order 9" 1 understood text',
      'nlu 2 order_status 0.912 [order_number=9] ranks=3',
      'text 2 "Order 9 is on its way." flow',
      'audio 2#0 600ms words=6 "Order 9 is on its way."',
      'binary 9600',
      'turn.end 2 "Order 9 is on its way." {"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":37}',
    ]);
  });

  it('answers each bad frame with its error code, before, during and after the session', async () => {
    const transport = new RecordingTransport();
    const session = new ConversationSession(scriptedAgent().runtime, transport);
    session.handleText(JSON.stringify({ type: 'text', text: 'hi' }));
    session.handleBinary(new Uint8Array(4));
    session.handleText('{nope');
    session.handleText(start({ voice: 'nobody' }));
    session.handleText(start());
    session.handleText(start());
    session.handleBinary(new Uint8Array(3));
    session.handleBinary(new Uint8Array(300_000));
    session.handleText('x'.repeat(70_000));
    session.handleText(JSON.stringify({ type: 'session.end' }));
    session.handleText(JSON.stringify({ type: 'text', text: 'hi' }));
    session.handleText(start());
    session.handleBinary(new Uint8Array(4));
    session.close();
    await settle();
    expect(transport.log).toEqual([
      'error no_session send session.start first',
      'error no_session send session.start first',
      'error bad_message message is not valid JSON',
      'error bad_message unknown voice "nobody"; voices: low, high',
      'session.started Scripted 16000',
      'error bad_message the session has already started',
      'error bad_audio binary frame has an odd byte length: audio must be PCM16',
      'error message_too_large binary frame over 262144 bytes',
      'error message_too_large text frame over 65536 bytes',
      'session.ended client',
      '(transport closed)',
      'error session_closed the session has ended',
      'error session_closed the session has ended',
      'error session_closed the session has ended',
    ]);
    expect(session.isOpen).toBe(false);
  });

  it('holds the frames that arrive while its VAD is made, and handles them in order once open', async () => {
    const agent = scriptedAgent({ vadAsync: 'ready' });
    const transport = new RecordingTransport();
    const session = new ConversationSession(agent.runtime, transport);
    session.handleText(start());
    expect(session.isOpen).toBe(false);
    agent.recognizer.expect('when are you open');
    const speech = utterance(400);
    for (let at = 0; at < speech.length; at += FRAME_SAMPLES) session.handleBinary(frame(speech, at));
    session.handleText(JSON.stringify({ type: 'text', text: 'order 3' }));
    expect(transport.log).toEqual([]);
    await settle();
    expect(session.isOpen).toBe(true);
    expect(transport.log).toEqual([
      'session.started Scripted 16000',
      'vad speech-start 120',
      'vad speech-end 700',
      'final 2 "order 3" 1 understood text',
      'nlu 2 order_status 0.912 [order_number=3] ranks=3',
      'final 1 "when are you open" 0.813 understood speech',
      'nlu 1 opening_hours 0.912 [] ranks=3',
      'turn.end 2 interrupted "" {"nluMs":2}',
      'expression 1 happy 0.6',
      'text 1 "We open at nine in the morning." intent',
      'audio 1#0 700ms words=7 "We open at nine in the morning."',
      'binary 11200',
      'text 1 "We close at five." intent',
      'audio 1#1 400ms words=4 "We close at five."',
      'binary 6400',
      'turn.end 1 "We open at nine in the morning. We close at five." {"asrFinalMs":17,"nluMs":2,"dialogueMs":5,"ttsFirstAudioMs":30,"speechEndToFirstAudioMs":54}',
    ]);
  });

  it('reports a VAD that cannot be made and can be started again', async () => {
    const agent = scriptedAgent({ vadAsync: 'failing' });
    const transport = new RecordingTransport();
    const session = new ConversationSession(agent.runtime, transport);
    session.handleText(start());
    session.handleText(JSON.stringify({ type: 'text', text: 'order 3' }));
    await settle();
    session.handleText(JSON.stringify({ type: 'text', text: 'order 3' }));
    session.handleText(start());
    await settle();
    expect(transport.log).toEqual([
      'error provider_failed the VAD model did not load',
      'error no_session send session.start first',
      'error provider_failed the VAD model did not load',
    ]);
    expect(session.isOpen).toBe(false);
  });

  it('sends nothing more once closed, and cancels the utterance being recognized', async () => {
    const c = await converse(scriptedAgent());
    c.agent.synthesizer.hold();
    await c.send({ type: 'text', text: 'when are you open' });
    c.agent.recognizer.expect('x');
    await c.speak(audio(100, true));
    const sent = c.transport.log.length;
    c.session.close();
    c.session.close();
    await settle();
    expect(c.transport.log.length).toBe(sent);
    expect(c.agent.recognizer.streams.map((s) => s.cancelled)).toEqual([true]);
  });

  it('sends every unexpected error to onInternalError once, with its turn, and the client its typed error', async () => {
    const seen: { error: unknown; where: unknown }[] = [];
    const onInternalError = (error: unknown, where: unknown) => seen.push({ error, where });
    const c = await converse(scriptedAgent(), { greet: false }, { onInternalError });
    await c.send({ type: 'text', text: 'crash' });
    expect(c.transport.log).toContain('error internal internal error');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.error).toBeInstanceOf(TypeError);
    expect((seen[0]?.error as Error | undefined)?.stack).toMatch(/scripted dialogue bug/);
    expect(seen[0]?.where).toEqual({ sessionId: c.session.id, turnId: 1 });
    // The client's faults and a provider's typed failures are not the server's.
    await c.send({ type: 'dance' });
    c.agent.recognizer.expect('when are you open', { fail: true });
    await c.speak(utterance(400));
    expect(c.transport.of('error').map((e) => e.code)).toEqual([
      'internal',
      'unknown_message_type',
      'provider_timeout',
    ]);
    expect(seen).toHaveLength(1);
  });

  it('sends a transport that fails while reporting an error, and a failing hook, to onInternalError', async () => {
    class BrokenTransport extends RecordingTransport {
      override sendEvent(event: Parameters<RecordingTransport['sendEvent']>[0]): void {
        if (event.type === 'error') throw new Error('socket gone');
        super.sendEvent(event);
      }
    }
    const seen: unknown[] = [];
    const c = await converse(
      scriptedAgent(),
      { greet: false },
      {
        onInternalError: (error) => seen.push(error),
        onTurn: () => {
          throw new Error('store down');
        },
      },
      new BrokenTransport(),
    );
    await c.send({ type: 'dance' });
    await c.send({ type: 'text', text: 'order 1' });
    expect(seen.map((e) => (e as Error).message)).toEqual(['socket gone', 'store down']);
    // The conversation goes on.
    await c.send({ type: 'text', text: 'order 2' });
    expect(c.transport.of('turn.end').map((e) => e.turnId)).toEqual([1, 2]);
  });

  it("hands each turn's record to onTurn as it ends", async () => {
    const records: TurnRecord[] = [];
    const c = await converse(scriptedAgent(), { greet: true }, { onTurn: (r) => records.push(r) });
    c.agent.recognizer.expect('order 42 backup');
    await c.speak(utterance(400));
    await c.send({ type: 'text', text: 'refund' });
    expect(records.map((r) => [r.turnId, r.input])).toEqual([
      [0, 'greeting'],
      [1, 'speech'],
      [2, 'text'],
    ]);
    expect(records[0]).toEqual({
      sessionId: c.session.id,
      turnId: 0,
      input: 'greeting',
      answeredBy: 'greeting',
      fullReplyText: 'Hello there. How can I help?',
      // The person speaks over the greeting after it was sent in full: the record, made as the turn
      // ended, keeps what was true then (the transcript marks the interruption).
      spokenText: 'Hello there. How can I help?',
      interrupted: false,
      latency: { ttsFirstAudioMs: 30, speechEndToFirstAudioMs: 30 },
      marks: expect.any(Object),
      providers: { tts: 'scripted-tts', notices: [] },
      endedSession: false,
      speech: { voice: expect.any(String), visemes: expect.any(Array) },
    });
    expect(records[1]).toEqual({
      sessionId: c.session.id,
      turnId: 1,
      input: 'speech',
      user: { text: 'order 42 backup', confidence: 0.8125, understood: true },
      nlu: {
        intent: 'order_status',
        confidence: 0.91234,
        entities: [{ entity: 'order_number', value: '42', text: '42' }],
        // The ranking as the record keeps it: rounded, the best first.
        ranking: [
          { intent: 'order_status', confidence: 0.912 },
          { intent: 'other', confidence: 0.05 },
          { intent: 'third', confidence: 0.02 },
          { intent: 'fourth', confidence: 0.01 },
        ],
      },
      answeredBy: 'flow',
      fullReplyText: 'Order 42 is on its way.',
      spokenText: 'Order 42 is on its way.',
      interrupted: false,
      latency: { asrFinalMs: 10, nluMs: 2, dialogueMs: 5, ttsFirstAudioMs: 30, speechEndToFirstAudioMs: 47 },
      marks: expect.any(Object),
      providers: { asr: 'scripted-asr', tts: 'scripted-tts', notices: [] },
      endedSession: false,
      speech: { voice: expect.any(String), visemes: expect.any(Array) },
    });
    // The marks are the clock's times the latencies are differences of: what the spans are drawn from.
    const marks = records[1]?.marks;
    const from = marks?.inputEndedAt ?? Number.NaN;
    expect(
      marks &&
        [marks.transcriptAt, marks.nluAt, marks.firstTextAt, marks.firstAudioAt].map((t) => (t ?? 0) - from),
    ).toEqual([10, 12, 17, 47]);
    expect(marks?.endedAt).toBeGreaterThanOrEqual(marks?.lastAudioAt ?? Number.POSITIVE_INFINITY);
    expect(records[2]).toMatchObject({ answeredBy: 'knowledge', source: 'knowledge/returns.md#Refunds' });
    // What the client was sent in turn.end is the record's.
    const ends = c.transport.of('turn.end');
    expect(ends.map((e) => [e.turnId, e.interrupted, e.spokenText, e.latency])).toEqual(
      records.map((r) => [r.turnId, r.interrupted, r.spokenText, r.latency]),
    );
  });

  it('records the provider reports of a turn with it', async () => {
    const records: TurnRecord[] = [];
    const c = await converse(scriptedAgent(), { greet: false }, { onTurn: (r) => records.push(r) });
    await c.send({ type: 'text', text: 'backup' });
    expect(records[0]?.providers).toEqual({
      llm: 'scripted-llm',
      tts: 'scripted-tts',
      notices: [{ event: 'provider-fallback', kind: 'tts', from: 'primary', to: 'backup' }],
    });
    expect(records[0]?.answeredBy).toBe('llm');
  });
});

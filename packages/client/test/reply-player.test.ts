import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplyEvent } from '../src/events.js';
import { ReplyPlayer } from '../src/playback/reply-player.js';
import type { AudioChunkEvent, ServerEvent } from '../src/protocol.js';
import { FakeAudioContext, type FakeNode } from './support/fake-audio-context.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const RATE = 16000;

function player(options: { audio?: boolean; output?: FakeNode } = {}) {
  const context = new FakeAudioContext();
  const events: ReplyEvent[] = [];
  const reports: [number, number][] = [];
  const firstAudio: [number, boolean][] = [];
  const reply = new ReplyPlayer({
    context: () => (options.audio === false ? null : context.asAudioContext()),
    output: options.output as unknown as AudioNode | undefined,
    emit: (event) => events.push(event),
    report: (turnId, playedMs) => reports.push([turnId, playedMs]),
    firstAudio: (turnId, _atPerfMs, clockRunning) => firstAudio.push([turnId, clockRunning]),
  });
  /** Moves the heard clock and lets the 10 ms ticker see it. */
  const at = (sec: number) => {
    context.setTime(sec);
    vi.advanceTimersByTime(10);
  };
  return { reply, context, events, reports, firstAudio, at };
}

/** A chunk of `sec` seconds of audio, and its bytes as on the wire. */
function chunk(turnId: number, seq: number, text: string, sec: number): [AudioChunkEvent, ArrayBuffer] {
  const samples = Math.round(sec * RATE);
  const pcm = new Int16Array(samples).fill(16384);
  const event: AudioChunkEvent = {
    type: 'audio.chunk',
    turnId,
    seq,
    sampleRate: RATE,
    samples,
    durationMs: sec * 1000,
    text,
    visemes: [{ viseme: 'aa', startMs: 0, endMs: sec * 1000 }],
    words: [],
  };
  return [event, pcm.buffer];
}

const sentence = (turnId: number, text: string): ServerEvent => ({
  type: 'response.text',
  turnId,
  text,
  answeredBy: 'intent',
});
const turnEnd = (turnId: number): ServerEvent => ({
  type: 'turn.end',
  turnId,
  interrupted: false,
  spokenText: '',
  latency: {},
});
const captions = (events: ReplyEvent[]) => events.flatMap((e) => (e.type === 'caption' ? [e.text] : []));

describe('ReplyPlayer', () => {
  it('schedules chunks back to back one lead after the clock, announcing their mouth shapes ahead', () => {
    const output = {} as FakeNode;
    const { reply, context, events } = player({ output });
    context.setTime(1);
    reply.play(...chunk(1, 0, 'Hello.', 0.5));
    reply.play(...chunk(1, 1, 'How can I help?', 0.25));
    expect(context.sources.map((s) => s.startedAt)).toEqual([
      expect.closeTo(1.08, 9),
      expect.closeTo(1.58, 9),
    ]);
    expect(context.sources.every((s) => s.output === output)).toBe(true);
    const visemes = events.filter((e) => e.type === 'visemes');
    expect(visemes.map((e) => [e.seq, e.startTimeSec])).toEqual([
      [0, expect.closeTo(1.08, 9)],
      [1, expect.closeTo(1.58, 9)],
    ]);
    expect(visemes[0]?.cues).toEqual([{ viseme: 'aa', startMs: 0, endMs: 500 }]);
    const scheduled = events.find((e) => e.type === 'audio.scheduled');
    const buffer = scheduled?.type === 'audio.scheduled' ? scheduled.buffer : null;
    // PCM16 on the wire, floats in Web Audio: 16384 is half of full scale.
    expect(buffer?.length).toBe(8000);
    expect((buffer as unknown as { samples: Float32Array }).samples[0]).toBe(0.5);
    expect(reply.speaking).toBe(true);
  });

  it("holds a sentence's caption and expression until its audio is heard", () => {
    const { reply, events, firstAudio, at } = player();
    reply.handle({ type: 'expression', turnId: 1, expression: 'happy', intensity: 0.7 });
    reply.handle(sentence(1, 'Hello.'));
    reply.handle(sentence(1, 'How can I help?'));
    reply.play(...chunk(1, 0, 'Hello.', 0.5));
    reply.play(...chunk(1, 1, 'How can I help?', 0.5));
    expect(firstAudio).toEqual([[1, true]]);
    expect(events.filter((e) => e.type !== 'visemes' && e.type !== 'audio.scheduled')).toEqual([]);
    at(0.07);
    expect(captions(events)).toEqual([]);
    at(0.08);
    const heard = events.filter((e) => e.type !== 'visemes' && e.type !== 'audio.scheduled');
    expect(heard.map((e) => e.type)).toEqual(['playback.start', 'expression.show', 'caption']);
    expect(heard[1]).toEqual({ type: 'expression.show', turnId: 1, expression: 'happy', intensity: 0.7 });
    expect(heard[2]).toEqual({ type: 'caption', speaker: 'agent', turnId: 1, text: 'Hello.', final: true });
    at(0.6);
    expect(captions(events)).toEqual(['Hello.', 'How can I help?']);
  });

  it('reports a turn once all of its audio has been heard, and then stops its clock', () => {
    const { reply, events, reports, at } = player();
    reply.play(...chunk(1, 0, 'Hello.', 0.5));
    reply.play(...chunk(1, 1, 'Bye.', 0.25));
    reply.handle(turnEnd(1));
    at(0.8);
    expect(reports).toEqual([]);
    at(0.9);
    expect(reports).toEqual([[1, 750]]);
    expect(events.at(-1)).toEqual({ type: 'playback.end', turnId: 1, playedMs: 750, interrupted: false });
    expect(reply.speaking).toBe(false);
    expect(reply.answering).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets out a sentence that got no audio when the audio of its turn ends', () => {
    const { reply, events, at } = player();
    reply.handle(sentence(1, 'Hello.'));
    reply.play(...chunk(1, 0, 'Hello.', 0.5));
    // This sentence's synthesis failed: it comes with no chunk.
    reply.handle(sentence(1, 'Lost.'));
    reply.handle(turnEnd(1));
    at(0.1);
    expect(captions(events)).toEqual(['Hello.']);
    at(0.6);
    expect(captions(events)).toEqual(['Hello.', 'Lost.']);
  });

  it('flushes on barge-in: the audio stops, what was heard is reported, the rest of the turn is dropped', () => {
    const { reply, context, events, reports, at } = player();
    reply.handle(sentence(2, 'Your order left today.'));
    reply.play(...chunk(2, 0, 'Your order left today.', 1));
    at(0.33);
    expect(reply.answering).toBe(true);
    reply.flush(true);
    expect(context.sources.every((s) => s.stopped)).toBe(true);
    expect(reports).toEqual([[2, 250]]);
    expect(events.at(-1)).toEqual({ type: 'playback.end', turnId: 2, playedMs: 250, interrupted: true });
    expect(reply.speaking).toBe(false);
    // Chunks and sentences of the turn still on the wire are not played.
    reply.handle(sentence(2, 'It should arrive Friday.'));
    reply.play(...chunk(2, 1, 'It should arrive Friday.', 1));
    at(5);
    expect(context.sources).toHaveLength(1);
    expect(captions(events)).toEqual(['Your order left today.']);
    expect(reports).toHaveLength(1);
    // The next turn plays, one lead after the clock.
    reply.play(...chunk(3, 0, 'Hello.', 0.5));
    expect(context.sources[1]?.startedAt).toBeCloseTo(5.08, 9);
  });

  it('turns the voice down while the server judges speech over it, and back up for a backchannel', () => {
    const output = {} as FakeNode;
    const { reply, context, events, at } = player({ output });
    reply.handle(sentence(2, 'Your order left today.'));
    reply.play(...chunk(2, 0, 'Your order left today.', 1));
    at(0.3);
    reply.handle({ type: 'playback.duck', turnId: 2, gain: 0.1 });
    const [gain] = context.gains;
    // The source already playing moves behind the gain, and so does the next chunk.
    expect(context.sources[0]?.output).toBe(gain);
    expect(gain?.output).toBe(output);
    reply.play(...chunk(2, 1, 'It should arrive Friday.', 1));
    expect(context.sources[1]?.output).toBe(gain);
    reply.handle({ type: 'playback.duck', turnId: 2, gain: 1 });
    expect(gain?.targets).toEqual([0.1, 1]);
    // A duck is no interruption: the reply plays on and is heard to its end.
    reply.handle(turnEnd(2));
    at(2.5);
    expect(events.at(-1)).toEqual({ type: 'playback.end', turnId: 2, playedMs: 2000, interrupted: false });
  });

  it('plays the next reply at full voice after one that was ducked and then stopped', () => {
    const { reply, context, at } = player();
    reply.play(...chunk(2, 0, 'Your order left today.', 1));
    at(0.3);
    reply.handle({ type: 'playback.duck', turnId: 2, gain: 0.1 });
    reply.handle({ type: 'interrupted', turnId: 2, reason: 'barge-in' });
    expect(context.gains[0]?.gain.value).toBe(1);
  });

  it("tells the words heard at barge-in, on the turn's timeline across chunks, as the server cuts them", () => {
    const { reply, events, at } = player();
    const words = (list: [string, number, number][]) =>
      list.map(([word, startMs, endMs]) => ({ word, startMs, endMs }));
    const [first, firstBytes] = chunk(2, 0, 'Sure, thanks.', 0.5);
    first.words = words([
      ['Sure,', 0, 200],
      ['thanks.', 200, 500],
    ]);
    const [second, secondBytes] = chunk(2, 1, 'Your order left today.', 1);
    second.words = words([
      ['Your', 0, 200],
      ['order', 200, 500],
      ['left', 500, 800],
      ['today.', 800, 1000],
    ]);
    reply.play(first, firstBytes);
    reply.play(second, secondBytes);
    // 0.08 s lead, then 0.5 s of the first chunk and 0.42 s of the second: "order" ends at 0.5 s
    // of it, its midpoint (0.35 s) has played, "left" (midpoint 0.65 s) has not.
    at(1);
    reply.flush(true);
    expect(events.at(-1)).toEqual({
      type: 'playback.end',
      turnId: 2,
      playedMs: 920,
      interrupted: true,
      heardText: 'Sure, thanks. Your order',
    });
  });

  it("drops an interrupted turn's sentences not yet heard, and keeps the turn the server goes on with", () => {
    const { reply, events, reports, at } = player();
    reply.handle(sentence(1, 'First.'));
    reply.handle(sentence(1, 'Second.'));
    reply.play(...chunk(1, 0, 'First.', 0.5));
    at(0.1);
    reply.handle({ type: 'interrupted', turnId: 1, reason: 'barge-in' });
    expect(reports).toEqual([[1, 20]]);
    reply.play(...chunk(1, 1, 'Second.', 0.5));
    reply.handle(turnEnd(1));
    reply.handle(sentence(2, 'Sure.'));
    reply.play(...chunk(2, 0, 'Sure.', 0.5));
    at(1);
    expect(captions(events)).toEqual(['First.', 'Sure.']);
  });

  it('on barge-in, also drops the turn the server is producing before any of its audio came', () => {
    const { reply, context, events, at } = player();
    reply.handle(sentence(5, 'Let me check.'));
    reply.flush(true);
    reply.play(...chunk(5, 0, 'Let me check.', 0.5));
    reply.handle(turnEnd(5));
    at(1);
    expect(context.sources).toHaveLength(0);
    expect(events).toEqual([]);
    // flush(false) (the connection went) leaves it: its audio, if any comes, still plays.
    reply.handle(sentence(6, 'Hello.'));
    reply.flush(false);
    reply.play(...chunk(6, 0, 'Hello.', 0.5));
    expect(context.sources).toHaveLength(1);
  });

  it('counts a turn the server has not ended as answering, before any of its audio', () => {
    const { reply } = player();
    expect(reply.answering).toBe(false);
    reply.handle(sentence(4, 'Let me check.'));
    expect(reply.speaking).toBe(false);
    expect(reply.answering).toBe(true);
    reply.handle(turnEnd(4));
    expect(reply.answering).toBe(false);
  });

  it('measures first audio only while the clock runs', () => {
    const { reply, context, firstAudio } = player();
    context.state = 'suspended';
    reply.play(...chunk(1, 0, 'Hello.', 0.5));
    reply.play(...chunk(1, 1, 'Again.', 0.5));
    expect(firstAudio).toEqual([[1, false]]);
  });

  it('without an AudioContext, passes captions and expressions on as they come and plays nothing', () => {
    const { reply, events, reports } = player({ audio: false });
    reply.handle({ type: 'expression', turnId: 1, expression: 'sad', intensity: 0.4 });
    reply.handle(sentence(1, 'Sorry.'));
    reply.play(...chunk(1, 0, 'Sorry.', 0.5));
    reply.handle(turnEnd(1));
    expect(events.map((e) => e.type)).toEqual(['expression.show', 'caption']);
    expect(reports).toEqual([]);
    expect(reply.speaking).toBe(false);
  });
});

import { ConversationSession } from '@visemo/server';
import { describe, expect, it } from 'vitest';
import { parseServerEvent } from '../src/index.js';
import { createToneRuntime } from './support/tone-runtime.js';

describe('parseServerEvent', () => {
  it('accepts the events of docs/protocol.md', () => {
    const chunk = parseServerEvent(
      JSON.stringify({
        type: 'audio.chunk',
        turnId: 2,
        seq: 0,
        sampleRate: 16000,
        samples: 28800,
        durationMs: 1800,
        text: "Sure, what's your order number?",
        visemes: [
          { viseme: 'sil', startMs: 0, endMs: 45 },
          { viseme: 'SS', startMs: 45, endMs: 120 },
        ],
        words: [{ word: 'Sure', startMs: 45, endMs: 260 }],
      }),
    );
    expect(chunk?.type).toBe('audio.chunk');
    if (chunk?.type === 'audio.chunk') expect(chunk.visemes[1]?.viseme).toBe('SS');
    const end = parseServerEvent(
      '{"type":"turn.end","turnId":2,"interrupted":false,"spokenText":"Sure","latency":{"nluMs":0.4}}',
    );
    expect(end).toMatchObject({ type: 'turn.end', latency: { nluMs: 0.4 } });
  });

  it('skips event types this version does not know, Object.prototype names included', () => {
    expect(parseServerEvent('{"type":"presence","users":3}')).toBeNull();
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(parseServerEvent(JSON.stringify({ type })), type).toBeNull();
    }
  });

  it('passes on fields a newer server adds to a known event', () => {
    expect(parseServerEvent('{"type":"session.ended","reason":"idle","idleMs":300000}')).toEqual({
      type: 'session.ended',
      reason: 'idle',
      idleMs: 300000,
    });
  });

  it('names the field that does not match the protocol', () => {
    const messageOf = (frame: string) => {
      try {
        parseServerEvent(frame);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(messageOf('{"type":"response.text","turnId":"2","text":"hi","answeredBy":"intent"}')).toBe(
      'response.text: field "turnId" must be a number',
    );
    expect(messageOf('{"type":"vad","state":"speech-middle","atMs":3}')).toBe(
      'vad: field "state" must be one of "speech-start", "speech-end"',
    );
    expect(
      messageOf(
        '{"type":"turn.end","turnId":1,"interrupted":false,"spokenText":"","latency":{"nluMs":"fast"}}',
      ),
    ).toBe('turn.end: field "latency.nluMs" must be a number');
  });

  it('refuses frames that are not events, or events with fields of the wrong kind', () => {
    for (const frame of [
      'not json',
      '[1,2]',
      '{"turnId":1}',
      '{"type":"response.text","turnId":"2","text":"hi"}',
      '{"type":"audio.chunk","turnId":1,"seq":0,"sampleRate":16000,"samples":2,"text":"","visemes":[{"viseme":"aa"}],"words":[]}',
      '{"type":"expression","turnId":1,"expression":"bored","intensity":0.5}',
      '{"type":"transcript","entries":[{"turnId":1,"role":"narrator","text":"hi"}]}',
      '{"type":"error","code":"bad_message","fatal":false}',
    ]) {
      expect(() => parseServerEvent(frame), frame).toThrow(expect.objectContaining({ code: 'bad_message' }));
    }
  });

  it('accepts every frame a real session sends', async () => {
    const frames: string[] = [];
    let closed = false;
    const session = new ConversationSession(createToneRuntime(), {
      sendEvent: (event) => frames.push(JSON.stringify(event)),
      sendAudio: () => undefined,
      close: () => {
        closed = true;
      },
    });
    session.handleText('{"type":"session.start","protocol":1}');
    await until(() => frames.some((f) => f.includes('"turn.end"')));
    session.handleText('{"type":"text","text":"where is my order"}');
    await until(() => frames.filter((f) => f.includes('"turn.end"')).length === 2);
    session.handleText('{"type":"session.end"}');
    expect(closed).toBe(true);
    const types = frames.map((f) => parseServerEvent(f)?.type);
    expect(types).toEqual(expect.arrayContaining(['session.started', 'audio.chunk', 'nlu', 'session.ended']));
    expect(types).not.toContain(undefined);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

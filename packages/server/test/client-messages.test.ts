import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../src/protocol/client-messages.js';

function codeOf(text: string): string {
  try {
    parseClientMessage(text);
    return 'none';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('parseClientMessage', () => {
  it('fills defaults of session.start', () => {
    expect(parseClientMessage('{"type":"session.start","protocol":1}')).toEqual({
      type: 'session.start',
      protocol: 1,
      sampleRate: 16000,
      audio: true,
      greet: true,
    });
  });

  it('names the problem of each kind of bad message', () => {
    expect(codeOf('{"type":')).toBe('bad_message');
    expect(codeOf('[1,2]')).toBe('bad_message');
    expect(codeOf('{"text":"hi"}')).toBe('bad_message');
    expect(codeOf('{"type":"dance"}')).toBe('unknown_message_type');
    expect(codeOf('{"type":"session.start","protocol":2}')).toBe('bad_message');
    expect(codeOf('{"type":"session.start","protocol":1,"sampleRate":4000}')).toBe('bad_message');
    expect(codeOf('{"type":"text","text":"   "}')).toBe('bad_message');
    expect(codeOf(JSON.stringify({ type: 'text', text: 'a'.repeat(2001) }))).toBe('bad_message');
    expect(codeOf('{"type":"playback","turnId":-1,"playedMs":10}')).toBe('bad_message');
    expect(codeOf('{"type":"interrupt","extra":true}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","turnId":1,"rating":"meh"}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","turnId":-1,"rating":"up"}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","turnId":1.5,"rating":"up"}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","rating":"down"}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","turnId":1}')).toBe('bad_message');
    expect(codeOf('{"type":"client.feedback","turnId":1,"rating":"up","comment":"x"}')).toBe('bad_message');
    expect(parseClientMessage('{"type":"client.feedback","turnId":3,"rating":"down"}')).toEqual({
      type: 'client.feedback',
      turnId: 3,
      rating: 'down',
    });
  });

  it('knows a type only if the protocol has it, not because Object.prototype has the name', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(() => parseClientMessage(JSON.stringify({ type })), type).toThrow(
        expect.objectContaining({ code: 'unknown_message_type', message: `unknown message type "${type}"` }),
      );
    }
  });

  it('trims typed text and keeps what the client chose at session start', () => {
    expect(parseClientMessage('{"type":"text","text":"  where is my order?  "}')).toEqual({
      type: 'text',
      text: 'where is my order?',
    });
    expect(
      parseClientMessage(
        '{"type":"session.start","protocol":1,"sampleRate":48000,"audio":false,"voice":"kal","greet":false}',
      ),
    ).toEqual({
      type: 'session.start',
      protocol: 1,
      sampleRate: 48000,
      audio: false,
      voice: 'kal',
      greet: false,
    });
  });

  it('says which field is wrong', () => {
    expect(() => parseClientMessage('{"type":"playback","turnId":"x","playedMs":1}')).toThrow(
      'playback: turnId: Invalid input: expected number, received string',
    );
    expect(() => parseClientMessage('{"type":"text","text":"   "}')).toThrow('text: text: text is empty');
    expect(() => parseClientMessage('{"type":"interrupt","extra":true}')).toThrow(
      'interrupt: Unrecognized key: "extra"',
    );
    expect(() => parseClientMessage('{"type":"client.feedback","turnId":1,"rating":"meh"}')).toThrow(
      'client.feedback: rating: Invalid option: expected one of "up"|"down"',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ConversationTranscript } from '../src/session/conversation-transcript.js';

describe('ConversationTranscript', () => {
  it('keeps the turns in order, with whether each reply was interrupted', () => {
    const transcript = new ConversationTranscript();
    transcript.addAgent(0, 'Hello.', false);
    transcript.addUser(1, 'where is my order');
    transcript.addAgent(1, 'It left today.', true);
    expect(transcript.entries).toEqual([
      { turnId: 0, role: 'agent', text: 'Hello.', interrupted: false },
      { turnId: 1, role: 'user', text: 'where is my order' },
      { turnId: 1, role: 'agent', text: 'It left today.', interrupted: true },
    ]);
  });

  it("marks a finished reply interrupted, never the person's words", () => {
    const transcript = new ConversationTranscript();
    transcript.addUser(1, 'hi');
    transcript.addAgent(1, 'Hello.', false);
    transcript.markInterrupted(1);
    transcript.markInterrupted(5); // no such turn: nothing changes
    expect(transcript.entries).toEqual([
      { turnId: 1, role: 'user', text: 'hi' },
      { turnId: 1, role: 'agent', text: 'Hello.', interrupted: true },
    ]);
  });

  it("replaces a reply with what was heard, and says whether it was the agent's latest", () => {
    const transcript = new ConversationTranscript();
    transcript.addAgent(1, 'We open at nine. We close at five.', true);
    expect(transcript.replaceHeard(1, 'We open at')).toEqual({ latest: true, interrupted: true });
    transcript.addAgent(2, 'Goodbye.', false);
    expect(transcript.replaceHeard(1, 'We')).toEqual({ latest: false, interrupted: true });
    expect(transcript.replaceHeard(2, 'Good')).toEqual({ latest: true, interrupted: false });
    expect(transcript.replaceHeard(9, 'nothing')).toBeNull();
    expect(transcript.entries.map((e) => e.text)).toEqual(['We', 'Good']);
  });

  it('hands out copies that later changes do not touch', () => {
    const transcript = new ConversationTranscript();
    transcript.addAgent(1, 'We open at nine.', false);
    const copy = transcript.copy();
    transcript.replaceHeard(1, 'We');
    transcript.markInterrupted(1);
    expect(copy).toEqual([{ turnId: 1, role: 'agent', text: 'We open at nine.', interrupted: false }]);
    expect(transcript.entries[0]).toMatchObject({ text: 'We', interrupted: true });
  });
});

import { FliteSynthesizer } from '@visemo/speech';
import { TestCaller, withLeadingSilence } from './test-caller.js';

/** What `recordConversation` says to the support agent, in order after its greeting. */
export const RECORDED_TURNS = ['where is my order', '482913', 'what are your opening hours'] as const;

/**
 * A whole conversation with the support agent over the WebSocket, as a page has it: the greeting,
 * consent to transcripts and recordings, two typed turns into the order flow, then a spoken
 * question (Flite's rms voice), and the end. Answers the session's id.
 */
export async function recordConversation(wsUrl: string): Promise<string> {
  const caller = await TestCaller.start(wsUrl, { greet: true });
  const sessionId = caller.of('session.started')[0]?.sessionId as string;
  const mark = caller.mark();
  caller.send({ type: 'consent.set', transcripts: true, audio: true, memory: false });
  await caller.waitFor('consent', () => true, { after: mark });
  const [first, second, spoken] = RECORDED_TURNS;
  for (const text of [first, second]) {
    const before = caller.mark();
    caller.send({ type: 'text', text });
    await caller.waitFor('turn.end', () => true, { after: before });
  }
  const { audio } = await new FliteSynthesizer().synthesize({ text: spoken, voice: 'rms' });
  const before = caller.mark();
  await caller.speak(withLeadingSilence(audio.samples));
  await caller.waitFor('turn.end', () => true, { after: before });
  caller.send({ type: 'session.end' });
  await caller.waitFor('session.ended');
  caller.close();
  return sessionId;
}

import type { Storage, TurnInput } from '../src/index.js';

/** What a person decided about transcripts: a grant, a grant later withdrawn, or never asked. */
export type TranscriptConsent = 'granted' | 'withdrawn' | 'never';

/**
 * One person's conversation with `agent` as a server stores it. A session of someone never asked
 * stays open: their texts are kept while it lasts, and only consent tells them apart.
 */
export async function storeConversation(
  storage: Storage,
  agent: string,
  consent: TranscriptConsent,
  turns: TurnInput[],
): Promise<string> {
  const policy = { policyVersion: '2026-03' };
  const { subject } = await storage.subjects.ensure({});
  if (consent !== 'never') await storage.consent.grant(subject.id, 'transcripts', policy);
  const session = await storage.sessions.start({ subjectId: subject.id, agent });
  for (const turn of turns) await storage.sessions.recordTurn(session, turn);
  if (consent === 'never') return subject.id;
  await storage.sessions.end(session.id, 'client');
  if (consent === 'withdrawn') await storage.consent.withdraw(subject.id, 'transcripts', policy);
  return subject.id;
}

import {
  type AgentPrivacy,
  AgentPrivacySchema,
  type ConsentDecision,
  type SessionStartedEvent,
} from '@visemo/core';
import type { ConsentSnapshot } from '@visemo/storage';
import type { AgentRuntime } from '../runtime.js';

/** The agent as its data is stored: its id and privacy section, defaults when the runtime has none. */
export function storedAgent(runtime: AgentRuntime): { id: string; privacy: AgentPrivacy } {
  return runtime.agent ?? { id: runtime.persona.name, privacy: AgentPrivacySchema.parse({}) };
}

/** `session.started`'s `privacy`: what the page shows next to its consent question. */
export function privacySummary(privacy: AgentPrivacy): NonNullable<SessionStartedEvent['privacy']> {
  const { transcripts, audio, memory } = privacy.retention;
  return { policyVersion: privacy.policyVersion, retention: { transcripts, audio, memory } };
}

/**
 * The person's consent as the protocol tells it: null when they were never asked; a category they
 * were not asked about counts as refused. The policy version and time are the latest decision's.
 */
export function consentDecision(snapshot: ConsentSnapshot): ConsentDecision | null {
  const states = [snapshot.transcripts, snapshot.audio, snapshot.memory].filter((s) => s !== null);
  const latest = states.reduce<(typeof states)[number] | null>(
    (last, state) => (last === null || state.recordedAt > last.recordedAt ? state : last),
    null,
  );
  if (!latest) return null;
  return {
    transcripts: snapshot.transcripts?.granted ?? false,
    audio: snapshot.audio?.granted ?? false,
    memory: snapshot.memory?.granted ?? false,
    policyVersion: latest.policyVersion,
    decidedAt: latest.recordedAt.toISOString(),
  };
}

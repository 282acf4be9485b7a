import type { FlowStep } from './dialogue-types.js';

/**
 * The conversation debugger's replay, as `POST /v1/studio/sessions/:id/turns/:turn/replay`
 * answers it (docs/protocol.md): what a stored turn came to, what it comes to now, and where the
 * two differ. The server builds it and the studio page reads it.
 */

/** What a turn came to, recorded or replayed: what the debugger compares. */
export interface TurnOutcome {
  /** The person's words: typed, or as the recognizer heard them. */
  userText: string | null;
  /** The recognizer's decision on a spoken turn. */
  asr?: { confidence: number; understood: boolean };
  intent: string | null;
  confidence: number | null;
  ranking: { intent: string; confidence: number }[];
  /** `text`: the mention as written in the utterance. */
  entities: { entity: string; value: string; text?: string }[];
  answeredBy: string | null;
  flow: FlowStep | null;
  /** The knowledge passage that answered. */
  source: string | null;
  replyText: string | null;
}

/** One field that came out differently, as the page lists it. */
export interface OutcomeDifference {
  field: 'userText' | 'intent' | 'confidence' | 'entities' | 'answeredBy' | 'flow' | 'source' | 'replyText';
  recorded: unknown;
  replayed: unknown;
}

/** The replay route's answer. */
export interface TurnReplay {
  turn: number;
  from: 'text' | 'audio';
  /** The NLU version the replay ran, when the server runs the model registry. */
  nluVersion: number | null;
  recorded: TurnOutcome;
  replayed: TurnOutcome;
  /** Milliseconds the replay's own hops took on this server (not the recorded turn's). */
  latency: { asrMs?: number; nluMs?: number; dialogueMs?: number };
  differences: OutcomeDifference[];
}

import type { Expression } from './agent-schema.js';
import type { NluResult } from './providers.js';

/** Which part of the dialogue produced a reply. */
export type AnsweredBy = 'greeting' | 'intent' | 'flow' | 'knowledge' | 'fallback' | 'llm';

export type DialogueEvent =
  | { type: 'text'; text: string }
  | { type: 'expression'; expression: Expression; intensity?: number }
  | { type: 'handoff'; reason: string }
  | { type: 'end' };

export interface DialogueReply {
  answeredBy: AnsweredBy;
  /** The knowledge passage's source when the knowledge base answered, e.g. `knowledge/returns.md#Refunds`. */
  source?: string;
  /** Streamed reply: text may arrive in pieces (LLM tokens) or whole. */
  events: AsyncIterable<DialogueEvent>;
}

/** One conversation's dialogue state: one per session. */
export interface DialoguePolicy {
  greeting(): DialogueReply;
  respond(nlu: NluResult, options?: { signal?: AbortSignal }): DialogueReply | Promise<DialogueReply>;
  /**
   * The last reply as the person heard it, when that is less than was said (barge-in): a dialogue
   * with a memory of the conversation keeps only this.
   */
  replyHeard?(text: string): void;
}

import type { Expression } from './agent-schema.js';
import type { NluResult } from './providers.js';

/** Which part of the dialogue produced a reply. */
export type AnsweredBy = 'greeting' | 'intent' | 'flow' | 'knowledge' | 'fallback' | 'llm';

export type DialogueEvent =
  | { type: 'text'; text: string }
  | { type: 'expression'; expression: Expression; intensity?: number }
  | { type: 'handoff'; reason: string }
  | { type: 'end' };

/** Where a slot-filling flow stands after a reply: `asking` for `awaiting`, `completed`, `failed`, `interrupted`. */
export interface FlowStep {
  name: string;
  status: string;
  awaiting?: string;
}

export interface DialogueReply {
  answeredBy: AnsweredBy;
  /** The knowledge passage's source when the knowledge base answered, e.g. `knowledge/returns.md#Refunds`. */
  source?: string;
  /** The flow the reply worked on and where it stands after it, when a flow answered. */
  flow?: FlowStep;
  /** Streamed reply: text may arrive in pieces (LLM tokens) or whole. */
  events: AsyncIterable<DialogueEvent>;
}

/**
 * What a conversation's dialogue starts from besides the agent: what is remembered of the person
 * and, for a resumed session, the conversation so far.
 */
export interface DialogueContext {
  /** Slot values to start with: remembered from earlier sessions, or this session's before a restart. */
  slots?: Readonly<Record<string, string>>;
  /** The slots are remembered from an earlier session: the greeting may welcome the person back. */
  returning?: boolean;
  /** The conversation so far, oldest first: what the person said and what they heard of the reply. */
  history?: readonly { user: string; reply: string }[];
}

/**
 * Who said an utterance, when the agent tells speakers apart on one microphone
 * (`speech.speakers: detect`): the label the captions show, and whether someone else said the
 * utterance before it.
 */
export interface TurnSpeaker {
  id: string;
  name: string;
  changed: boolean;
}

/** What a dialogue knows of a turn besides its words. */
export interface RespondOptions {
  signal?: AbortSignal;
  /** Who said it; a reply template's `{speaker}` is their name (docs/multi-party.md). */
  speaker?: TurnSpeaker;
}

/** One conversation's dialogue state: one per session. */
export interface DialoguePolicy {
  /** Slots filled so far in the conversation, for a server to remember (with consent). */
  readonly slots?: Readonly<Record<string, string>>;
  greeting(): DialogueReply;
  respond(nlu: NluResult, options?: RespondOptions): DialogueReply | Promise<DialogueReply>;
  /**
   * The last reply as the person heard it, when that is less than was said (barge-in): a dialogue
   * with a memory of the conversation keeps only this.
   */
  replyHeard?(text: string): void;
}

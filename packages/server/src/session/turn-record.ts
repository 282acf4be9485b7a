import type { AnsweredBy, Expression, FlowStep, ProviderNotice, Speaker, TurnLatency } from '@visemo/core';
import type { VisemeCue } from '@visemo/core/visemes-types';

/** What started a turn: the agent's greeting, or the person speaking or typing. */
export type TurnInput = 'greeting' | 'speech' | 'text';

/**
 * When each hop of a turn ended, on the session's clock (`performance.now()`, ms): the latencies
 * are differences of these, and the turn's trace spans are drawn between them. A hop the turn did
 * not have is absent.
 */
export interface TurnMarks {
  /** The VAD's end of speech, the typed text's arrival, or the greeting's start. */
  inputEndedAt: number;
  /** The final transcript. */
  transcriptAt?: number;
  nluAt?: number;
  /** The dialogue's (or the language model's) first reply text. */
  firstTextAt?: number;
  /** The first audio chunk ready and sent. */
  firstAudioAt?: number;
  /** The last audio chunk sent. */
  lastAudioAt?: number;
  /** The turn's frames were done (answered in full, interrupted or failed). */
  endedAt: number;
}

/**
 * One finished turn, made once when it ends (`Turn.record`) and handed to the session's `onTurn`:
 * what the person said and how it was understood, who answered, what the client heard, each hop's
 * latency and the providers involved. Whatever keeps or shows turns reads them here rather than
 * from protocol events.
 */
export interface TurnRecord {
  sessionId: string;
  turnId: number;
  input: TurnInput;
  /** The final transcript (typed text has confidence 1); absent for the greeting. */
  user?: { text: string; confidence: number; understood: boolean };
  /** How the words were understood; absent for the greeting and when the turn stopped before. */
  nlu?: {
    intent: string | null;
    confidence: number;
    entities: { entity: string; value: string; text: string }[];
    /** The best intents with their confidences, best first (the top `RANKED_INTENTS`). */
    ranking?: { intent: string; confidence: number }[];
  };
  /** Which part of the dialogue answered; absent when the turn stopped before it did. */
  answeredBy?: AnsweredBy;
  /** The knowledge passage the answer came from. */
  source?: string;
  /** The flow that answered and where it stood after the turn. */
  flow?: FlowStep;
  /** The expressions the reply showed, in order. */
  expressions?: { expression: Expression; intensity: number }[];
  /**
   * The reply's viseme track in ms from its first sample, its audio chunks laid end to end (as the
   * client plays them), and the voice that spoke it; absent when no audio went out.
   */
  speech?: { voice?: string; visemes: VisemeCue[] };
  /** Every sentence of the reply that was sent, joined; `spokenText` is what was heard of it. */
  fullReplyText: string;
  /**
   * The reply as the person heard it when the turn ended. Afterwards the client may still be
   * playing it: a later `playback` report or barge-in changes the transcript, not this record.
   */
  spokenText: string;
  interrupted: boolean;
  latency: TurnLatency;
  marks: TurnMarks;
  /** The provider of each hop the turn had, by kind as the providers name them. */
  providers: {
    /** The recognizer that heard a spoken turn (a fallback chain names its members). */
    asr?: string;
    /** The language model, when it answered (`answeredBy: 'llm'`). */
    llm?: string;
    /** The synthesizer, when audio went out. */
    tts?: string;
    /** Fallbacks, retries and circuit changes during the turn: which member of a chain served. */
    notices: ProviderNotice[];
  };
  /** The reason, when the dialogue handed the conversation to a person. */
  handoff?: string;
  /** Whether the dialogue ended the conversation with this turn. */
  endedSession: boolean;
  /** The conversation's slots after the turn, when the dialogue keeps them. */
  slots?: Readonly<Record<string, string>>;
  /**
   * Who said the turn's words: a participant of a conversation of several people
   * (docs/multi-party.md), or a voice told apart on one microphone (`speech.speakers: detect`).
   */
  speaker?: Speaker;
  /**
   * In such a conversation: whether the speaker is the host, whose subject the session is stored
   * under, and whether their consent lets their words be stored.
   */
  participant?: { host: boolean; textsKept: boolean };
}

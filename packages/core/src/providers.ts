import type { PcmAudio } from './audio.js';
import type { PhoneTiming, VisemeCue, WordTiming } from './visemes-types.js';

/**
 * Provider interfaces. Every pipeline stage is one of these; an agent picks an implementation per
 * stage in its config. Every long call takes an AbortSignal: barge-in aborts the turn through it.
 */

export interface SynthesisRequest {
  text: string;
  voice?: string;
  signal?: AbortSignal;
  /**
   * The first sentence of a reply. A synthesizer that queues work serves it before later
   * sentences of other replies, which nobody hears until their own first sentence has played.
   */
  leading?: boolean;
}

/** What a synthesis costs where it is billed: the characters of text sent. */
export interface SynthesisUsage {
  characters: number;
}

/** One synthesized piece of speech with the timings that drive the mouth. */
export interface SynthesisResult {
  audio: PcmAudio;
  /** Phone timings from the synthesizer itself (Flite) or from forced alignment. */
  phones?: PhoneTiming[];
  visemes: VisemeCue[];
  words: WordTiming[];
  /** Set by synthesizers that bill for their work (the remote ones). */
  usage?: SynthesisUsage;
}

export interface SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  synthesize(request: SynthesisRequest): Promise<SynthesisResult>;
}

/** What a recognition costs where it is billed: the seconds of audio sent. */
export interface RecognitionUsage {
  audioSeconds: number;
}

export interface Transcript {
  text: string;
  /** 0..1; how sure the recognizer is. */
  confidence: number;
  /** False when the recognizer heard speech but could not match it: the "not understood" outcome. */
  understood: boolean;
  /** Set by recognizers that bill for their work (the remote ones). */
  usage?: RecognitionUsage;
}

/** A streaming recognizer for one utterance: feed audio, read partials, finish for the final. */
export interface RecognitionStream {
  write(samples: Int16Array): void;
  /** The current best guess, or '' when there is none yet. */
  partial(): string;
  /**
   * Whether the current best guess is already a whole sentence the recognizer expects (one of a
   * grammar's phrases word for word, a number of a length its slot takes), so the turn can end
   * after a shorter pause. Recognizers that cannot tell leave it out.
   */
  complete?(): boolean;
  /**
   * Whether the current best guess begins a longer sentence the recognizer expects ("i want to
   * return" of "i want to return my order"), so a pause after it may be mid-sentence. Recognizers
   * that cannot tell leave it out.
   */
  continues?(): boolean;
  finish(): Promise<Transcript>;
  cancel(): void;
}

/** What a recognition stream is started with. */
export interface RecognitionOptions {
  signal?: AbortSignal;
  /**
   * Who speaks, stable for a conversation (e.g. the session id): a recognizer that adapts to a
   * speaker keeps that per speaker (the embedded one, its cepstral mean). Others ignore it.
   */
  speaker?: string;
}

export interface SpeechRecognizer {
  readonly name: string;
  /** Audio sample rate the recognizer wants, in Hz. */
  readonly sampleRate: number;
  start(options?: RecognitionOptions): RecognitionStream;
}

export type VadEvent = { type: 'speech-start'; atMs: number } | { type: 'speech-end'; atMs: number };

/** Voice activity detection over a stream of 16 kHz PCM16 frames of any length. */
export interface VoiceActivityDetector {
  readonly name: string;
  /** Feeds audio; returns the events this audio completed. `atMs` counts from the first sample fed. */
  push(samples: Int16Array): VadEvent[];
  readonly speaking: boolean;
  /**
   * The silence that ends speech from now on, in ms; `null` goes back to the detector's own. The
   * end of turn shortens it once the recognizer has heard a whole sentence.
   */
  setHangover?(ms: number | null): void;
  reset(): void;
}

export interface EntityMatch {
  entity: string;
  /** The canonical value (a synonym maps to its value). */
  value: string;
  /** The text as written in the utterance. */
  text: string;
  start: number;
  end: number;
}

export interface IntentScore {
  intent: string;
  confidence: number;
}

export interface NluResult {
  text: string;
  /** The best intent, or null when nothing is confident enough (out of scope). */
  intent: string | null;
  confidence: number;
  ranking: IntentScore[];
  entities: EntityMatch[];
}

export interface IntentClassifier {
  classify(text: string): NluResult;
}

/** Chat messages in the OpenAI chat-completions shape, the de-facto standard LLM servers speak. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model produced it. */
  arguments: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** Tokens of one model call, as the server counted them (OpenAI's `usage`). */
export interface ChatUsage {
  /** The prompt: system prompt, history, knowledge and tool results. */
  inputTokens: number;
  /** The answer, tool calls included. */
  outputTokens: number;
}

/** Typed parts of a streamed model reply. */
export type ChatStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | {
      type: 'finish';
      reason: 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';
      /** Present when the server reports it (OpenAI-compatible servers with `include_usage`). */
      usage?: ChatUsage;
    };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatModel {
  readonly name: string;
  stream(request: ChatRequest): AsyncIterable<ChatStreamPart>;
}

import type {
  AgentPrivacy,
  AvatarLookSpec,
  ChatModel,
  DialogueContext,
  DialoguePolicy,
  IntentClassifier,
  SpeechRecognizer,
  SpeechSynthesizer,
  VoiceActivityDetector,
} from '@visemo/core';

/** A stage on a session's 16 kHz microphone audio before the VAD (RNNoise's `NoiseSuppressor`). */
export interface AudioFilter {
  /** The filtered audio ready so far; it may lag the input by a few ms. */
  push(samples: Int16Array): Int16Array;
  close(): void;
}

/** Per-hop time limits in milliseconds. */
export interface HopTimeouts {
  asrMs: number;
  dialogueMs: number;
  ttsMs: number;
}

export const DEFAULT_TIMEOUTS: HopTimeouts = { asrMs: 5000, dialogueMs: 10_000, ttsMs: 8000 };

/** Who the agent is to a visitor: its name, language, voice and how its avatar looks. */
export interface Persona {
  name: string;
  language: string;
  voice: string;
  /** The built-in character and colours the page draws (agent.yaml's `persona.look`). */
  look?: AvatarLookSpec;
  /** The agent's own VRM/GLB file (absolute path), served at `AGENT_MODEL_PATH`. */
  modelFile?: string;
}

/** Where the server serves the agent's avatar model file. */
export const AGENT_MODEL_PATH = '/v1/agent/model';

/**
 * Everything one agent needs to hold conversations: built once per server, shared by its sessions.
 * Each stage's provider is a member (`nlu`, `recognizer`, `synthesizer`, `llm`), whatever chain of
 * vendors it is made of; stateful parts (VAD, dialogue) are made per session through the factories.
 */
export interface AgentRuntime {
  readonly persona: Persona;
  readonly nlu: IntentClassifier;
  /** Absent when the agent has no speech input (text-only). */
  readonly recognizer: SpeechRecognizer | null;
  readonly synthesizer: SpeechSynthesizer;
  /**
   * The language model `createDialogue` answers with where the agent's own dialogue has none.
   * Null or absent: the agent answers everything itself.
   */
  readonly llm?: ChatModel | null;
  readonly timeouts: HopTimeouts;
  /**
   * The silence that ends a turn once the recognizer reports a complete sentence
   * (`RecognitionStream.complete`), in ms; other silences end it after the VAD's own hangover.
   * Absent: the VAD's hangover always.
   */
  readonly afterPhraseMs?: number;
  /**
   * The silence that ends a turn when what the recognizer heard begins a longer sentence
   * (`RecognitionStream.continues`) and the voice did not fall, in ms (session/end-of-turn.ts).
   * Absent: the VAD's hangover.
   */
  readonly unfinishedMs?: number;
  /**
   * A noise suppressor for one session's microphone audio (`speech.noiseSuppression`); absent:
   * the audio goes to the VAD and the recognizer as it came.
   */
  createNoiseSuppressor?(): AudioFilter;
  /**
   * `echo-aware` (`speech.bargeIn`): the agent's own voice heard back through loudspeakers is taken
   * out and never barges in, and a backchannel over it does not stop it (docs/barge-in.md).
   * Absent or `vad`: any speech the VAD hears stops the agent at once.
   */
  bargeIn?: 'vad' | 'echo-aware';
  /**
   * `detect` (`speech.speakers`): each utterance is labelled with who said it, told apart by voice
   * (session/utterance-speakers.ts). Absent or `off`: no labels.
   */
  speakers?: 'off' | 'detect';
  /** A VAD for one session; may need a moment to create (WASM instances). */
  createVad(): VoiceActivityDetector | Promise<VoiceActivityDetector>;
  /**
   * The dialogue of one session, started from what is remembered of the person, or restored;
   * `llm: false` leaves the language model out (the agent answers everything itself), e.g. for a
   * session whose `llmFallback` flag is off.
   */
  createDialogue(context?: DialogueContext, choice?: { llm?: boolean }): DialoguePolicy;
  /**
   * The agent as its data is stored: a stable id (the agent folder's name) and its `privacy:` section.
   * Absent: `agent.name` of the persona, and the default notice version and retention.
   */
  readonly agent?: { id: string; privacy: AgentPrivacy };
  /** Splits streamed reply text into speakable sentences. */
  chunkSentences(deltas: AsyncIterable<string>): AsyncIterable<string>;
}

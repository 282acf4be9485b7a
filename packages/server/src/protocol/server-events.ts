import type {
  AnsweredBy,
  EntityMatch,
  ErrorCode,
  Expression,
  IntentScore,
  VisemeCue,
  WordTiming,
} from '@visemo/core';

export interface TurnLatency {
  asrFinalMs?: number;
  nluMs?: number;
  dialogueMs?: number;
  ttsFirstAudioMs?: number;
  speechEndToFirstAudioMs?: number;
}

/** Server → client JSON events (docs/protocol.md, "Server → client"). */
export type ServerEvent =
  | {
      type: 'session.started';
      protocol: number;
      sessionId: string;
      agent: { name: string; language: string };
      audio: { encoding: 'pcm_s16le'; sampleRate: number };
      limits: { maxTextFrameBytes: number; maxBinaryFrameBytes: number; maxTextChars: number };
    }
  | { type: 'vad'; state: 'speech-start' | 'speech-end'; atMs: number }
  | { type: 'transcript.partial'; turnId: number; text: string }
  | {
      type: 'transcript.final';
      turnId: number;
      text: string;
      confidence: number;
      understood: boolean;
      source: 'speech' | 'text';
    }
  | {
      type: 'nlu';
      turnId: number;
      intent: string | null;
      confidence: number;
      entities: Pick<EntityMatch, 'entity' | 'value' | 'text'>[];
      ranking: IntentScore[];
    }
  | { type: 'response.text'; turnId: number; text: string; answeredBy: AnsweredBy; source?: string }
  | { type: 'expression'; turnId: number; expression: Expression; intensity: number }
  | {
      type: 'audio.chunk';
      turnId: number;
      seq: number;
      sampleRate: number;
      samples: number;
      durationMs: number;
      text: string;
      visemes: VisemeCue[];
      words: WordTiming[];
    }
  | { type: 'handoff'; turnId: number; reason: string }
  | { type: 'interrupted'; turnId: number; reason: 'barge-in' | 'client' }
  | { type: 'turn.end'; turnId: number; interrupted: boolean; spokenText: string; latency: TurnLatency }
  | {
      type: 'transcript';
      entries: { turnId: number; role: 'user' | 'agent'; text: string; interrupted?: boolean }[];
    }
  | { type: 'error'; code: ErrorCode; message: string; fatal: boolean }
  | { type: 'session.ended'; reason: 'client' | 'idle' | 'server' };

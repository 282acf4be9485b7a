import type { OutcomeDifference, TurnOutcome, TurnReplay } from '@visemo/core/turn-replay-types';
import type { VisemeCue } from '@visemo/core/visemes-types';
import { StudioApi } from './studio-api.js';

export type { OutcomeDifference, TurnOutcome, TurnReplay };

/** The debugger's routes' answers (packages/server/src/studio/debugger-routes.ts). */
export interface SessionSummary {
  id: string;
  agent: string;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  turns: number;
}

export interface FlowStep {
  name: string;
  status: string;
  awaiting?: string;
}

export interface DebugTurn {
  turnIndex: number;
  startedAt: string;
  input: 'greeting' | 'speech' | 'text';
  textsKept: boolean;
  userText: string | null;
  /** Who said it, in a conversation of several people; absent from servers before it. */
  speaker?: { id: string; name: string } | null;
  asr: { provider: string | null; rejected: boolean; confidence?: number; understood?: boolean } | null;
  nlu: {
    intent: string | null;
    confidence: number | null;
    ranking: { intent: string; confidence: number }[];
    entities: { entity: string; value: string; text?: string }[];
  };
  path: {
    answeredBy: string | null;
    intent: string | null;
    flow: FlowStep | null;
    knowledge: string | null;
    llm: string | null;
    handedOff: boolean;
  };
  reply: {
    text: string | null;
    interrupted: boolean;
    voice: string | null;
    visemes: VisemeCue[];
    expressions: { expression: string; intensity: number }[];
    tts: string | null;
  };
  feedback: 'up' | 'down' | null;
  audio: { id: string; sampleRate: number; durationMs: number } | null;
  latency: Record<string, number>;
  waterfallSvg: string | null;
}

export interface DebugSession {
  session: SessionSummary & { flags: Record<string, unknown> };
  replay: { recognizer: string | null };
  turns: DebugTurn[];
}

/** The studio's routes and the debugger's: stored sessions, their turns, replays. */
export class DebuggerApi extends StudioApi {
  sessions(): Promise<{ agent: string; sessions: SessionSummary[] }> {
    return this.call('/v1/studio/sessions', { method: 'GET' });
  }

  session(id: string): Promise<DebugSession> {
    return this.call(`/v1/studio/sessions/${encodeURIComponent(id)}`, { method: 'GET' });
  }

  /** The person's utterance, as a WAV. */
  async recording(id: string): Promise<ArrayBuffer> {
    return (
      await this.request(`/v1/studio/recordings/${encodeURIComponent(id)}`, { method: 'GET' })
    ).arrayBuffer();
  }

  /** The agent's registered NLU versions, and the one new sessions run; 404 without a registry. */
  async nluVersions(): Promise<{
    running: number | null;
    versions: { version: number; registeredAt: string }[];
  }> {
    const answer = await this.call<{
      running: { nlu?: { version: number } };
      versions: { kind: string; version: number; registeredAt: string }[];
    }>('/v1/admin/models', { method: 'GET' });
    return {
      running: answer.running.nlu?.version ?? null,
      versions: answer.versions.filter((v) => v.kind === 'nlu'),
    };
  }

  replay(sessionId: string, turn: number, from: 'text' | 'audio', nluVersion?: number): Promise<TurnReplay> {
    return this.call(`/v1/studio/sessions/${encodeURIComponent(sessionId)}/turns/${turn}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(nluVersion === undefined ? { from } : { from, nluVersion }),
    });
  }
}

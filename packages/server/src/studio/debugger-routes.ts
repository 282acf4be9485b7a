import { ErrorCode, type TurnReplay, VisemoError } from '@visemo/core';
import { writeWav } from '@visemo/speech';
import type { Storage, StoredAudio, StoredTurn } from '@visemo/storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminGuard } from '../auth/admin-key.js';
import type { ModelSelection } from '../models/model-selection.js';
import type { AgentRuntime } from '../runtime.js';
import { storedTurnWaterfallSvg } from './stored-turn-waterfall.js';
import { outcomeDifferences, recordedOutcome, replayTurn } from './turn-replay.js';

export interface DebuggerRoutesOptions {
  runtime: AgentRuntime;
  /** Absent: the server keeps no sessions, and the routes say so (503). */
  storage?: Storage | undefined;
  /** The agent's sessions are those stored under this id. */
  agent: string;
  requireAdmin: AdminGuard;
  /** The NLU version new sessions run with, which a replay uses too. */
  models?: ModelSelection | undefined;
}

/** Who reads, in the audit log. */
const ACTOR = 'admin:studio';

const ERROR_STATUS: Partial<Record<string, number>> = {
  [ErrorCode.BadMessage]: 400,
  [ErrorCode.BadAudio]: 400,
  [ErrorCode.NoSession]: 404,
  [ErrorCode.UnknownTurn]: 404,
  [ErrorCode.UnknownModelVersion]: 404,
  [ErrorCode.ModelUnavailable]: 409,
  [ErrorCode.StorageUnavailable]: 503,
};

const SESSION_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/**
 * The studio's conversation debugger (docs/studio.md): the agent's stored sessions, one session's
 * turns with everything recorded of each (the recognizer's decision, the intent ranking, the path
 * that answered, the reply's track, the latency waterfall, the utterance where the person consented
 * to recordings), and a replay of a turn against the agent as it is now, which stores nothing.
 * These are personal data: every route needs the admin key, from this machine too, and every read
 * of texts or audio is audited.
 */
export async function debuggerRoutes(app: FastifyInstance, options: DebuggerRoutesOptions): Promise<void> {
  const { runtime, agent } = options;
  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof VisemoError)) return reply.send(error);
    const statusCode = ERROR_STATUS[error.code] ?? 502;
    return reply.code(statusCode).send({
      statusCode,
      code: error.code,
      error: statusCode === 404 ? 'Not Found' : statusCode === 400 ? 'Bad Request' : 'Error',
      message: error.message,
    });
  });
  const guarded = {
    preHandler: options.requireAdmin,
    onRequest: async (_request: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
    },
  };
  const storage = (): Storage => {
    if (!options.storage) {
      throw new VisemoError(
        ErrorCode.StorageUnavailable,
        'this server keeps no sessions: it runs without storage',
      );
    }
    return options.storage;
  };
  const session = async (id: string) => {
    const stored = await storage().sessions.get(id);
    if (!stored || stored.agent !== agent)
      throw new VisemoError(ErrorCode.NoSession, `no stored session ${id}`);
    return stored;
  };

  /** The NLU a replay runs: a registered version asked for, else the one new sessions get. */
  const replayNlu = async (version: number | undefined) => {
    const { models } = options;
    if (version !== undefined) {
      if (!models) throw new VisemoError(ErrorCode.BadMessage, 'this server runs no model registry');
      return { nlu: await models.nluOf(version), nluVersion: version };
    }
    const current = models?.current();
    return { nlu: current?.nlu ?? runtime.nlu, nluVersion: current?.versions.nlu?.version ?? null };
  };

  app.get<{ Querystring: { limit?: number } }>(
    '/v1/studio/sessions',
    {
      ...guarded,
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const sessions = await storage().sessions.recent({ agent, limit: request.query.limit ?? 50 });
      return {
        agent,
        sessions: sessions.map((s) => ({
          id: s.id,
          agent: s.agent,
          startedAt: s.startedAt.toISOString(),
          endedAt: s.endedAt?.toISOString() ?? null,
          endReason: s.endReason,
          turns: s.turns,
        })),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/studio/sessions/:id',
    { ...guarded, schema: { params: SESSION_PARAMS } },
    async (request) => {
      const stored = await session(request.params.id);
      const turns = await storage().sessions.turns(stored.id, { actor: ACTOR });
      const recordings = userRecordings(await storage().audio.ofSession(stored.id));
      return {
        session: {
          id: stored.id,
          agent: stored.agent,
          startedAt: stored.startedAt.toISOString(),
          endedAt: stored.endedAt?.toISOString() ?? null,
          endReason: stored.endReason,
          flags: stored.flags,
        },
        replay: { recognizer: runtime.recognizer?.name ?? null },
        turns: turns.map((turn) => debugTurn(turn, recordings.get(turn.id))),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/studio/recordings/:id',
    { ...guarded, schema: { params: SESSION_PARAMS } },
    async (request, reply) => {
      const recording = await storage().audio.get(request.params.id, { actor: ACTOR });
      const owner = recording ? await storage().sessions.get(recording.sessionId) : null;
      if (!recording || owner?.agent !== agent) {
        throw new VisemoError(ErrorCode.NoSession, `no stored recording ${request.params.id}`);
      }
      reply.type('audio/wav');
      return Buffer.from(writeWav({ samples: recording.pcm, sampleRate: recording.sampleRate }));
    },
  );

  app.post<{
    Params: { id: string; turn: number };
    Body: { from?: 'text' | 'audio'; nluVersion?: number } | undefined;
  }>(
    '/v1/studio/sessions/:id/turns/:turn/replay',
    {
      ...guarded,
      schema: {
        params: {
          type: 'object',
          required: ['id', 'turn'],
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 64 },
            turn: { type: 'integer', minimum: 0 },
          },
        },
        body: {
          type: ['object', 'null'],
          properties: {
            from: { type: 'string', enum: ['text', 'audio'] },
            nluVersion: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const stored = await session(request.params.id);
      const turns = await storage().sessions.turns(stored.id, { actor: ACTOR });
      const turn = turns.find((t) => t.turnIndex === request.params.turn);
      if (!turn)
        throw new VisemoError(ErrorCode.UnknownTurn, `the session has no turn ${request.params.turn}`);
      const from = request.body?.from ?? 'text';
      let audio: Int16Array | undefined;
      if (from === 'audio') {
        const meta = userRecordings(await storage().audio.ofSession(stored.id)).get(turn.id);
        const recording = meta ? await storage().audio.get(meta.id, { actor: ACTOR }) : null;
        if (!recording) throw new VisemoError(ErrorCode.BadMessage, 'no recording of this turn is stored');
        audio = recording.pcm;
      }
      const { nlu, nluVersion } = await replayNlu(request.body?.nluVersion);
      const replay = await replayTurn(runtime, nlu, turns, turn.turnIndex, {
        from,
        ...(audio ? { audio } : {}),
      });
      const recorded = recordedOutcome(turn);
      const answer: TurnReplay = {
        turn: turn.turnIndex,
        from: replay.from,
        nluVersion,
        recorded,
        replayed: replay.outcome,
        latency: replay.latency,
        differences: outcomeDifferences(recorded, replay.outcome, {
          interrupted: turn.interrupted,
          compareWords: from === 'audio',
        }),
      };
      return answer;
    },
  );
}

/** The person's utterances of a session, by the stored turn they belong to. */
function userRecordings(recordings: readonly StoredAudio[]): Map<string, StoredAudio> {
  const byTurn = new Map<string, StoredAudio>();
  for (const recording of recordings) {
    if (recording.role === 'user' && recording.turnId) byTurn.set(recording.turnId, recording);
  }
  return byTurn;
}

/** One stored turn as the debugger's page shows it. */
function debugTurn(turn: StoredTurn, recording: StoredAudio | undefined) {
  const details = turn.details;
  return {
    turnIndex: turn.turnIndex,
    startedAt: turn.startedAt.toISOString(),
    input: turn.inputSource ?? 'greeting',
    /** False once the texts are gone (no consent after the session, withdrawn, past retention). */
    textsKept: turn.userText !== null || turn.replyText !== null,
    userText: turn.userText,
    /** Who said it, in a conversation of several people (docs/multi-party.md); null otherwise. */
    speaker: details?.speaker ?? null,
    asr:
      turn.inputSource === 'speech'
        ? {
            provider: turn.providers.asr ?? null,
            rejected: turn.asrRejected,
            ...(details?.asr ?? {}),
          }
        : null,
    nlu: {
      intent: turn.intent,
      confidence: turn.confidence,
      ranking: details?.ranking ?? [],
      entities: turn.entities ?? [],
    },
    path: {
      answeredBy: turn.answeredBy,
      intent: turn.answeredBy === 'intent' || turn.answeredBy === 'flow' ? turn.intent : null,
      flow: details?.flow ?? null,
      knowledge: turn.answerSource,
      llm: turn.providers.llm ?? null,
      handedOff: turn.handedOff,
    },
    reply: {
      text: turn.replyText,
      interrupted: turn.interrupted,
      voice: details?.voice ?? null,
      visemes: details?.visemes ?? [],
      expressions: details?.expressions ?? [],
      tts: turn.providers.tts ?? null,
    },
    feedback: turn.feedback,
    audio: recording
      ? {
          id: recording.id,
          sampleRate: recording.sampleRate,
          durationMs: Math.round((recording.samples / recording.sampleRate) * 1000),
        }
      : null,
    latency: turn.latency,
    waterfallSvg: storedTurnWaterfallSvg(turn.turnIndex, turn.latency, turn.answeredBy),
  };
}

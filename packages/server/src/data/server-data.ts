import type { Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { anonymousSubject, type SessionClaims } from '../auth/session-tokens.js';
import type { ServerSecurity } from '../http/security.js';
import type { AgentRuntime } from '../runtime.js';
import type { SessionOptions } from '../session/conversation-session.js';
import { dataRoutes } from './data-routes.js';
import { LiveSubjects, SessionRecorder } from './session-recorder.js';
import { privacySummary, storedAgent } from './subject-privacy.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when every session's writes so far have landed in storage (tests, shutdown). */
    storageSettled(): Promise<void>;
  }
}

/**
 * What the session's feature flags decided, for what it stores. Read when the session starts
 * (its flags are evaluated as it prepares), so a getter may answer it.
 */
export interface SessionVariantOptions {
  /** Recorded in `sessions.flags`: its features, flags and model versions. */
  readonly flags?: Record<string, unknown>;
  /** False: nothing is remembered of the person in this session, nor read from memory. */
  readonly memory?: boolean;
}

export interface ServerData {
  /**
   * The options of a new connection's session: its subject, what it stores, where errors go;
   * `variant.flags` is kept with the stored session, and `variant.memory: false` (its flag) keeps
   * memory out of it.
   */
  sessionOptions(claims: SessionClaims | undefined, variant?: SessionVariantOptions): SessionOptions;
  /** Waits for every session's pending writes (the server is closing; storage closes after). */
  settle(): Promise<void>;
}

/**
 * The server's side of the data and privacy capability: sessions recorded to `storage` under their
 * subject, consent, resume and memory, and the data routes. Without storage, sessions keep
 * everything in memory as before and say `storage: false`.
 */
export async function registerData(
  app: FastifyInstance,
  options: { storage?: Storage | undefined; runtime: AgentRuntime; security: ServerSecurity },
): Promise<ServerData> {
  const { storage, runtime, security } = options;
  const agent = storedAgent(runtime);
  const live = new LiveSubjects();
  if (storage) await app.register(dataRoutes, { storage, security, live });
  app.decorate('storageSettled', () => live.idle());

  return {
    sessionOptions(claims, variant = {}) {
      // An open server has no tokens: each connection is a subject of its own.
      const subjectName = claims?.subject ?? anonymousSubject();
      const onInternalError: SessionOptions['onInternalError'] = (err, where) =>
        app.log.error({ err, ...where }, 'internal error in a session');
      if (!storage) {
        const started = {
          subject: { id: subjectName, consent: null },
          privacy: privacySummary(agent.privacy),
          storage: false,
        };
        return { onInternalError, prepare: () => ({ started }), prepareJoin: () => started };
      }
      const recorder = new SessionRecorder({
        storage,
        agent,
        subjectName,
        live,
        log: app.log,
        variant,
      });
      return {
        onInternalError,
        prepare: (message) => recorder.prepare(message),
        prepareJoin: () => recorder.prepareJoin(),
        onTurn: (record) => recorder.turn(record),
        onReplyHeard: (turnId, heard) => recorder.replyHeard(turnId, heard),
        onUtteranceAudio: (turnId, samples) => recorder.utteranceAudio(turnId, samples),
        onConsent: (message) => recorder.setConsent(message),
        onFeedback: (message) => recorder.rate(message),
        onClose: (reason) => void recorder.closed(reason),
      };
    },
    settle: () => live.idle(),
  };
}

import { createReadStream } from 'node:fs';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { CircuitReport } from '@visemo/providers';
import type { Storage } from '@visemo/storage';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { WebSocket } from 'ws';
import type { RedisCoordination } from '../cluster/redis-coordination.js';
import type { SessionCensus } from '../cluster/session-census.js';
import { registerData } from '../data/server-data.js';
import { storedAgent } from '../data/subject-privacy.js';
import { type DriftJobOptions, startDriftJob } from '../drift/drift-job.js';
import type { SessionFlags } from '../flags/session-flags.js';
import { modelRoutes } from '../models/model-routes.js';
import type { ModelSelection } from '../models/model-selection.js';
import { MAX_BINARY_FRAME_BYTES, MAX_TEXT_FRAME_BYTES } from '../protocol/limits.js';
import type { ServerEvent } from '../protocol/server-events.js';
import { AGENT_MODEL_PATH, type AgentRuntime } from '../runtime.js';
import { ConversationSession, type SessionTransport } from '../session/conversation-session.js';
import { DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts } from '../session/session-timeouts.js';
import { toNotice, turnContext } from '../session/turn-context.js';
import { debuggerRoutes } from '../studio/debugger-routes.js';
import { previewRoutes } from '../studio/preview-routes.js';
import { traceRoutes } from '../tracing/trace-routes.js';
import type { Tracing } from '../tracing/tracing.js';
import {
  type AdmittedConnection,
  type CapacityLimits,
  ConnectionAdmission,
  evictedError,
} from './connection-admission.js';
import { isProviderCall, ServerMetrics } from './metrics.js';
import {
  redactedLogger,
  registerSecurity,
  type ServerSecurityOptions,
  websocketSecurity,
} from './security.js';
import { sessionOperations } from './session-operations.js';
import { registerDrain } from './shutdown.js';
import { answerProtocolFaults, isProtocolFault } from './socket-faults.js';
import type { TlsCredentials } from './tls.js';

export interface ServerOptions extends ServerSecurityOptions, CapacityLimits {
  runtime: AgentRuntime;
  /** Start, idle and maximum-duration timeouts; `DEFAULT_SESSION_TIMEOUTS` for those not given. */
  timeouts?: SessionTimeouts;
  /**
   * The largest frame the server reads at all, in bytes (default 4 MiB). A frame over the protocol
   * limits and at most this is refused with `message_too_large` and the session goes on; a larger
   * one is refused from its header with `payload_too_large` and the connection closes (1009).
   */
  frameCeilingBytes?: number;
  /** Serve HTTPS and WSS with this certificate and key (`readTlsCredentials`). */
  https?: TlsCredentials;
  logger?: FastifyServerOptions['logger'];
  /** A built web app to serve at `/` (index.html and its assets). */
  webRoot?: string;
  /** Subscribes to the runtime's provider reports; each is sent to the session whose turn caused it. */
  onProviderEvent?: (listener: (event: { type: string } & Record<string, unknown>) => void) => () => void;
  /** The runtime's circuit breakers (`EmbeddedRuntime.breakers`), shown by `GET /health`. */
  breakers?: readonly { report(): CircuitReport }[];
  /**
   * Where sessions, turns, consent and memory are kept (docs/storage.md), with the data routes.
   * Absent: nothing outlives a session, and `session.started` says `storage: false`.
   */
  storage?: Storage;
  /** Spans of every turn (OTLP when configured), the recent ones at `GET /v1/admin/traces`. */
  tracing?: Tracing;
  /** The most people in one conversation, host included (docs/multi-party.md); default 6. */
  maxParticipants?: number;
  /** Feature flags, evaluated once per session as it starts and told in `session.started`. */
  flags?: SessionFlags;
  /** The model versions new sessions run with, and the registry's admin routes. */
  models?: ModelSelection;
  /**
   * With storage: measure drift of the agent's user signals on a timer, shown on /metrics as
   * `visemo_drift_*` (docs/operations.md). Absent: no drift job.
   */
  drift?: DriftJobOptions;
  /**
   * Replicas sharing Redis (REDIS_URL): each session leased to the replica it is live on, sessions
   * admitted against `clusterMaxSessions` across replicas, token rate limits shared.
   */
  coordination?: RedisCoordination;
}

/**
 * Frames over the protocol limits but at most this are read, answered with an error event, and the
 * session goes on; a larger one is refused from its header, before any of it is buffered. At most
 * about twice this is held per connection while a frame arrives (docs/operations.md).
 */
export const DEFAULT_FRAME_CEILING_BYTES = 4 * 1024 * 1024;

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: redactedLogger(options.logger),
    trustProxy: options.trustProxy ?? false,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  const sessions = new Set<ConversationSession>();
  const metrics = new ServerMetrics();
  const { coordination } = options;
  let census: SessionCensus | undefined;
  const admission = new ConnectionAdmission(options, () => census?.others ?? 0);
  census = coordination?.startCensus(() => admission.sessions);
  const timeouts = { ...DEFAULT_SESSION_TIMEOUTS, ...options.timeouts };
  const frameCeilingBytes = options.frameCeilingBytes ?? DEFAULT_FRAME_CEILING_BYTES;
  if (frameCeilingBytes < Math.max(MAX_BINARY_FRAME_BYTES, MAX_TEXT_FRAME_BYTES))
    throw new RangeError(
      `frameCeilingBytes must be at least the protocol's frame limits (${MAX_BINARY_FRAME_BYTES})`,
    );

  await app.register(websocket, {
    options: {
      maxPayload: frameCeilingBytes,
      // Text frames reach the session as bytes, which answers invalid UTF-8 with `bad_message`
      // and keeps the session, where ws would close the socket (1007).
      skipUTF8Validation: true,
      ...websocketSecurity,
    },
  });
  const drain = registerDrain(app);
  const security = await registerSecurity(
    app,
    options,
    coordination ? { redis: coordination.redis, prefix: `${coordination.prefix}rate:` } : undefined,
  );
  const data = await registerData(app, { storage: options.storage, runtime: options.runtime, security });

  // Call timings and usage are for the operator's metrics; the rest tells the turn's client.
  const unsubscribe = options.onProviderEvent?.((event) => {
    if (isProviderCall(event)) metrics.recordProviderCall(event);
    else turnContext.getStore()?.notify(toNotice(event));
  });

  app.get('/health', async () => ({
    status: 'ok',
    sessions: admission.sessions,
    unstarted: admission.unstarted,
    providers: (options.breakers ?? []).map((breaker) => breaker.report()),
    ...(coordination ? { replica: coordination.replicaId, otherSessions: census?.others ?? 0 } : {}),
  }));

  const { modelFile } = options.runtime.persona;
  if (modelFile) {
    // The agent's own avatar (agent.yaml `persona.look.model`); checked to be a GLB when loaded.
    app.get(AGENT_MODEL_PATH, async (_request, reply) => {
      reply.type('model/gltf-binary').header('cache-control', 'public, max-age=300');
      return reply.send(createReadStream(modelFile));
    });
  }

  app.get('/metrics', async (_request, reply) => {
    metrics.sessions.set(admission.sessions);
    metrics.unstarted.set(admission.unstarted);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const { storage, drift: driftOptions } = options;
  const drift =
    storage && driftOptions
      ? startDriftJob(storage, storedAgent(options.runtime).id, metrics.registry, {
          ...driftOptions,
          onError: (error) => {
            app.log.warn({ err: error }, 'measuring drift failed');
            driftOptions.onError?.(error);
          },
        })
      : null;

  const { tracing, flags, models } = options;
  if (tracing) await app.register(traceRoutes, { tracing, requireAdmin: security.requireAdmin });
  if (models) await app.register(modelRoutes, { models, requireAdmin: security.requireAdmin });
  await app.register(previewRoutes, { runtime: options.runtime, requireAdmin: security.requireAdmin });
  await app.register(debuggerRoutes, {
    runtime: options.runtime,
    storage,
    agent: storedAgent(options.runtime).id,
    requireAdmin: security.requireAdmin,
    models,
  });

  app.get('/v1/ws', { websocket: true }, (socket: WebSocket, request) => {
    answerProtocolFaults(socket, frameCeilingBytes);
    if (drain.isDraining) {
      refuseSocket(socket, new VisemoError(ErrorCode.ServerShutdown, 'the server is shutting down'), 1001);
      return;
    }
    if (!security.admit(socket, request)) return;
    let place: AdmittedConnection | undefined;
    const claims = security.claimsOf(request);
    const { origin } = request.headers;
    // Flags, model versions, traces; the stored session keeps what the flags decided.
    const ops = sessionOperations(
      {
        runtime: options.runtime,
        metrics,
        ...(tracing ? { tracing } : {}),
        ...(flags ? { flags } : {}),
        ...(models ? { models } : {}),
      },
      { ...(claims ? { claims } : {}), ...(origin ? { origin } : {}) },
    );
    const sessionOptions = ops.options(data.sessionOptions(claims, ops.stored));
    let leased: string | undefined;
    // Live here from its start: a replica still holding it from before lets it go.
    const onStarted = (sessionId: string) => {
      if (!coordination) return;
      leased = sessionId;
      coordination.leases
        .claim(sessionId, () => {
          app.log.info({ sessionId }, 'session taken over by another replica');
          socket.terminate();
        })
        .catch((error: unknown) => app.log.warn({ sessionId, err: error }, 'session lease not claimed'));
    };
    const session = new ConversationSession(ops.runtime, socketTransport(socket, metrics, onStarted), {
      ...sessionOptions,
      timeouts,
      admitStart: () => place?.start(),
      ...(options.maxParticipants !== undefined ? { maxParticipants: options.maxParticipants } : {}),
      findSession: (sessionId) => {
        for (const other of sessions) if (other.id === sessionId && other.isOpen) return other;
        return undefined;
      },
      // A session outlives its host's socket while others are in it: it is forgotten as it closes.
      onClose: (reason) => {
        sessions.delete(session);
        sessionOptions.onClose?.(reason);
      },
      onInternalError: (error, where) => {
        metrics.recordInternalError();
        sessionOptions.onInternalError?.(error, where);
      },
    });
    place = admission.connect(() => session.refuse(evictedError()));
    sessions.add(session);
    drain.track(session, socket);
    app.log.info({ sessionId: session.id }, 'session opened');
    socket.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      if (isBinary) session.handleBinary(bytes);
      else session.handleText(bytes);
    });
    socket.on('close', () => {
      session.disconnected();
      place?.release();
      if (leased) void coordination?.leases.release(leased).catch(() => undefined);
      app.log.info({ sessionId: session.id }, 'session closed');
    });
    socket.on('error', (error) => {
      // A client's broken or oversized frame was answered (socket-faults.ts): not the server's fault.
      if (isProtocolFault(error)) app.log.info({ sessionId: session.id, fault: error.code }, 'frame refused');
      else app.log.warn({ sessionId: session.id, err: error }, 'socket error');
    });
  });

  if (options.webRoot) {
    await app.register(fastifyStatic, {
      root: options.webRoot,
      index: ['index.html'],
      // Asset names carry content hashes; index.html must be revalidated to pick up new ones.
      setHeaders: (reply, filePath) => {
        reply.header(
          'cache-control',
          filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }

  app.addHook('onClose', async () => {
    unsubscribe?.();
    await drift?.stop();
    for (const session of sessions) session.close();
    await data.settle();
  });
  return app;
}

function socketTransport(
  socket: WebSocket,
  metrics: ServerMetrics,
  onStarted: (sessionId: string) => void,
): SessionTransport {
  // Only a host is sent the invite: a joiner's socket neither leases the session nor counts its turns.
  let host = false;
  return {
    sendEvent: (event) => {
      if (event.type === 'session.started') {
        host = event.invite !== undefined;
        if (host) onStarted(event.sessionId);
      } else if (event.type === 'turn.end' && host) metrics.recordTurn(event.latency, event.interrupted);
      else if (event.type === 'error') metrics.recordError(event.code);
      send(socket, event);
    },
    sendAudio: (samples) => {
      if (socket.readyState !== socket.OPEN) return;
      // The wire is little-endian PCM16, as are the hosts Node runs on.
      socket.send(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), { binary: true });
    },
    close: (code = 1000) => socket.close(code),
  };
}

function refuseSocket(socket: WebSocket, error: VisemoError, closeCode: number): void {
  send(socket, { type: 'error', code: error.code, message: error.message, fatal: true });
  socket.close(closeCode, error.code);
}

function send(socket: WebSocket, event: ServerEvent): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

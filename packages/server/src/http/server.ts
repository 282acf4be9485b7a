import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { ErrorCode } from '@visemo/core';
import type { CircuitReport } from '@visemo/providers';
import type { Storage } from '@visemo/storage';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { WebSocket } from 'ws';
import { registerData } from '../data/server-data.js';
import type { SessionFlags } from '../flags/session-flags.js';
import { modelRoutes } from '../models/model-routes.js';
import type { ModelSelection } from '../models/model-selection.js';
import type { ServerEvent } from '../protocol/server-events.js';
import type { AgentRuntime } from '../runtime.js';
import { ConversationSession, type SessionTransport } from '../session/conversation-session.js';
import { toNotice, turnContext } from '../session/turn-context.js';
import { traceRoutes } from '../tracing/trace-routes.js';
import type { Tracing } from '../tracing/tracing.js';
import { isProviderCall, ServerMetrics } from './metrics.js';
import {
  redactedLogger,
  registerSecurity,
  type ServerSecurityOptions,
  websocketSecurity,
} from './security.js';
import { joinSessionOptions, setUpSession } from './session-setup.js';

export interface ServerOptions extends ServerSecurityOptions {
  runtime: AgentRuntime;
  /** Sessions held at once; one more is refused with `session_limit`. */
  maxSessions?: number;
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
  /** Feature flags, evaluated once per session as it opens and told in `session.started`. */
  flags?: SessionFlags;
  /** The model versions new sessions run with, and the registry's admin routes. */
  models?: ModelSelection;
}

/**
 * Frames above the protocol limits but below this are answered with an error event and the session
 * goes on; larger ones are cut off by the WebSocket layer (close code 1009) before they are buffered.
 */
const HARD_FRAME_LIMIT_BYTES = 1024 * 1024;

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: redactedLogger(options.logger),
    trustProxy: options.trustProxy ?? false,
  });
  const sessions = new Set<ConversationSession>();
  const metrics = new ServerMetrics();
  const maxSessions = options.maxSessions ?? 200;

  await app.register(websocket, { options: { maxPayload: HARD_FRAME_LIMIT_BYTES, ...websocketSecurity } });
  const security = await registerSecurity(app, options);
  const data = await registerData(app, { storage: options.storage, runtime: options.runtime, security });

  // Call timings and usage are for the operator's metrics; the rest tells the turn's client.
  const unsubscribe = options.onProviderEvent?.((event) => {
    if (isProviderCall(event)) metrics.recordProviderCall(event);
    else turnContext.getStore()?.notify(toNotice(event));
  });

  app.get('/health', async () => ({
    status: 'ok',
    sessions: sessions.size,
    providers: (options.breakers ?? []).map((breaker) => breaker.report()),
  }));

  app.get('/metrics', async (_request, reply) => {
    metrics.sessions.set(sessions.size);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const { tracing, flags, models } = options;
  if (tracing) await app.register(traceRoutes, { tracing, requireAdmin: security.requireAdmin });
  if (models) await app.register(modelRoutes, { models, requireAdmin: security.requireAdmin });
  let opening = 0;

  app.get('/v1/ws', { websocket: true }, (socket: WebSocket, request) => {
    if (!security.admit(socket, request)) return;
    if (sessions.size + opening >= maxSessions) {
      send(socket, {
        type: 'error',
        code: ErrorCode.SessionLimit,
        message: `the server holds its maximum of ${maxSessions} sessions`,
        fatal: true,
      });
      socket.close(1013, 'session limit');
      return;
    }
    // Frames that arrive while the session is set up (its flags evaluated) wait for it.
    const early: [Uint8Array, boolean][] = [];
    let session: ConversationSession | null = null;
    let closed = false;
    const deliver = (to: ConversationSession, bytes: Uint8Array, isBinary: boolean) => {
      if (isBinary) to.handleBinary(bytes);
      else to.handleText(Buffer.from(bytes).toString('utf8'));
    };
    socket.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      if (session) deliver(session, bytes, isBinary);
      else early.push([bytes, isBinary]);
    });
    socket.on('close', () => {
      closed = true;
      if (!session) return;
      session.close();
      sessions.delete(session);
      app.log.info({ sessionId: session.id }, 'session closed');
    });
    socket.on('error', (error) => app.log.warn({ sessionId: session?.id, err: error }, 'socket error'));
    opening++;
    const claims = security.claimsOf(request);
    const origin = request.headers.origin;
    setUpSession(
      {
        runtime: options.runtime,
        metrics,
        ...(tracing ? { tracing } : {}),
        ...(flags ? { flags } : {}),
        ...(models ? { models } : {}),
      },
      { ...(claims ? { claims } : {}), ...(origin ? { origin } : {}) },
    )
      .then((setup) => {
        if (closed) return;
        // The stored session keeps what it runs with; its memory follows the `memory` flag.
        const stored = data.sessionOptions(claims, {
          flags: setup.variant,
          memory: setup.variant.features?.memory ?? true,
        });
        const opened = new ConversationSession(
          setup.runtime,
          socketTransport(socket, metrics),
          joinSessionOptions(stored, setup.options),
        );
        session = opened;
        sessions.add(opened);
        app.log.info({ variant: setup.variant }, 'session opened');
        for (const [bytes, isBinary] of early.splice(0)) deliver(opened, bytes, isBinary);
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'session setup failed');
        send(socket, {
          type: 'error',
          code: ErrorCode.Internal,
          message: 'the session could not be set up',
          fatal: true,
        });
        socket.close(1011, 'setup failed');
      })
      .finally(() => {
        opening--;
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
    for (const session of sessions) session.close();
    await data.settle();
  });
  return app;
}

function socketTransport(socket: WebSocket, metrics: ServerMetrics): SessionTransport {
  return {
    sendEvent: (event) => {
      if (event.type === 'turn.end') metrics.recordTurn(event.latency, event.interrupted);
      else if (event.type === 'error') metrics.recordError(event.code);
      send(socket, event);
    },
    sendAudio: (samples) => {
      if (socket.readyState !== socket.OPEN) return;
      // The wire is little-endian PCM16, as are the hosts Node runs on.
      socket.send(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength), { binary: true });
    },
    close: () => socket.close(1000),
  };
}

function send(socket: WebSocket, event: ServerEvent): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

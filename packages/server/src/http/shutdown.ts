import { ErrorCode } from '@visemo/core';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { ConversationSession } from '../session/conversation-session.js';

export interface DrainOptions {
  /** How long live turns may take to finish before their sessions are cut off. Default 10 s. */
  deadlineMs?: number;
  /** After the deadline, how long clients get to answer the close handshake. Default 2 s. */
  closeGraceMs?: number;
}

export const DEFAULT_DRAIN_DEADLINE_MS = 10_000;

export interface DrainReport {
  /** Sessions open when the drain began. */
  sessions: number;
  /** Those whose live turn was cut off at the deadline. */
  cutOff: number;
}

/**
 * The graceful stop of one server: it takes no new connections (a new socket gets the fatal
 * `server_shutdown` error, an HTTP request 503), lets every session finish its live turn, then ends
 * it with `session.ended` `server_shutdown` and close code 1001; at the deadline the rest are ended
 * in the middle of their turn.
 */
export class ServerDrain {
  private draining = false;
  private readonly open = new Map<ConversationSession, { socket: WebSocket; closed: Promise<void> }>();

  get isDraining(): boolean {
    return this.draining;
  }

  /** Follows a connection's session until its socket closes. */
  track(session: ConversationSession, socket: WebSocket): void {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.open.set(session, { socket, closed });
    void closed.then(() => this.open.delete(session));
  }

  async drain(options: DrainOptions = {}): Promise<DrainReport> {
    this.draining = true;
    const entries = [...this.open];
    for (const [session] of entries) session.shutDown();
    const deadlineMs = options.deadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
    const allClosed = () => Promise.all([...this.open.values()].map((entry) => entry.closed));
    await within(allClosed(), deadlineMs);
    const cutOff = [...this.open.keys()];
    for (const session of cutOff) session.shutDownNow();
    await within(allClosed(), options.closeGraceMs ?? 2000);
    // Clients that never answered the close handshake.
    for (const { socket } of this.open.values()) socket.terminate();
    return { sessions: entries.length, cutOff: cutOff.length };
  }
}

const drains = new WeakMap<FastifyInstance, ServerDrain>();

/**
 * Makes `app` drainable: while it drains, HTTP requests other than WebSocket upgrades are answered
 * 503 with `server_shutdown`, so a load balancer's health check sees it go.
 */
export function registerDrain(app: FastifyInstance): ServerDrain {
  const drain = new ServerDrain();
  drains.set(app, drain);
  app.addHook('onRequest', async (request, reply) => {
    if (!drain.isDraining || request.ws) return;
    reply.header('connection', 'close');
    await reply.code(503).send({
      statusCode: 503,
      code: ErrorCode.ServerShutdown,
      error: 'Service Unavailable',
      message: 'the server is shutting down',
    });
  });
  return drain;
}

/**
 * Stops a server made by `createServer` gracefully (see `ServerDrain`), then closes it. On another
 * Fastify instance it only closes.
 */
export async function drainServer(app: FastifyInstance, options: DrainOptions = {}): Promise<DrainReport> {
  const report = (await drains.get(app)?.drain(options)) ?? { sessions: 0, cutOff: 0 };
  await app.close();
  return report;
}

async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

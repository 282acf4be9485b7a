import type { IncomingMessage } from 'node:http';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ServerEvent } from '../protocol/server-events.js';
import { addressKey, ConnectionCounter, KeyedRateLimiter } from './keyed-limits.js';
import type { SessionClaims, SessionTokens } from './session-tokens.js';
import { bearerCredential, tokenFromProtocols } from './subprotocol.js';

export interface ConnectionLimits {
  /** Connection attempts per address and minute (a burst of as many is allowed). Default 60. */
  connectsPerMinute?: number;
  /** Sockets open at once from one address. Default 50: a office or school behind one NAT. */
  connectionsPerIp?: number;
  /** Sockets open at once for one subject. Default 5. */
  connectionsPerSubject?: number;
}

export const DEFAULT_CONNECTION_LIMITS: Required<ConnectionLimits> = {
  connectsPerMinute: 60,
  connectionsPerIp: 50,
  connectionsPerSubject: 5,
};

export interface ConnectionGateOptions {
  tokens: SessionTokens;
  /** Origins besides the server's own whose pages may connect; `*` for any. */
  allowedOrigins?: readonly string[];
  limits?: ConnectionLimits;
  now?: () => number;
}

type Admission = { ok: true; claims: SessionClaims } | { ok: false; code: ErrorCode; message: string };

/** RFC 6455: 1008 for a policy refusal, 1013 for "try again later". */
const POLICY_VIOLATION = 1008;
const TRY_AGAIN_LATER = 1013;

/**
 * Decides who may open a WebSocket session: a page of an allowed origin, with a valid session
 * token, within the per-address and per-subject limits. The token is checked before the upgrade
 * (`check`, a preValidation hook: it is asynchronous), the verdict told on the open socket
 * (`admit`), so a refused client reads why in a protocol `error` event instead of a bare HTTP
 * status a browser never shows to script.
 */
export class ConnectionGate {
  private readonly verdicts = new WeakMap<IncomingMessage, Admission>();
  private readonly attempts: KeyedRateLimiter;
  private readonly perIp: ConnectionCounter;
  private readonly perSubject: ConnectionCounter;
  private readonly allowedOrigins: readonly string[];

  constructor(private readonly options: ConnectionGateOptions) {
    const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
    this.attempts = new KeyedRateLimiter({
      perMinute: limits.connectsPerMinute,
      ...(options.now ? { now: options.now } : {}),
    });
    this.perIp = new ConnectionCounter(limits.connectionsPerIp);
    this.perSubject = new ConnectionCounter(limits.connectionsPerSubject);
    this.allowedOrigins = options.allowedOrigins ?? [];
  }

  /** Runs before the upgrade; never refuses it, only records the verdict. */
  readonly check = async (request: FastifyRequest): Promise<void> => {
    this.verdicts.set(request.raw, await this.judge(request));
  };

  /**
   * Sends a refused client its `error` event and closes the socket (false), or counts the
   * connection against its address and subject until it closes (true).
   */
  admit(socket: WebSocket, request: FastifyRequest): boolean {
    const verdict = this.verdicts.get(request.raw) ?? {
      ok: false,
      code: ErrorCode.Unauthorized,
      message: 'the connection was not checked',
    };
    if (!verdict.ok) return refuse(socket, verdict.code, verdict.message, POLICY_VIOLATION);
    const { subject } = verdict.claims;
    const address = addressKey(request.ip);
    if (!this.perIp.acquire(address)) {
      return refuse(
        socket,
        ErrorCode.ConnectionLimit,
        'too many connections from this address',
        TRY_AGAIN_LATER,
      );
    }
    if (!this.perSubject.acquire(subject)) {
      this.perIp.release(address);
      return refuse(
        socket,
        ErrorCode.ConnectionLimit,
        'too many connections for this subject',
        TRY_AGAIN_LATER,
      );
    }
    socket.once('close', () => {
      this.perIp.release(address);
      this.perSubject.release(subject);
    });
    return true;
  }

  /** The claims of an admitted connection's token. */
  claimsOf(request: FastifyRequest): SessionClaims | undefined {
    const verdict = this.verdicts.get(request.raw);
    return verdict?.ok ? verdict.claims : undefined;
  }

  private async judge(request: FastifyRequest): Promise<Admission> {
    if (!originAllowed(request.headers.origin, request.host, this.allowedOrigins)) {
      return { ok: false, code: ErrorCode.OriginNotAllowed, message: 'pages of this origin may not connect' };
    }
    if (!this.attempts.take(addressKey(request.ip))) {
      return {
        ok: false,
        code: ErrorCode.ConnectionLimit,
        message: 'too many connection attempts; wait a minute',
      };
    }
    const token =
      tokenFromProtocols(request.headers['sec-websocket-protocol']) ??
      bearerCredential(request.headers.authorization);
    if (token === undefined) {
      return {
        ok: false,
        code: ErrorCode.Unauthorized,
        message: 'a session token is needed (docs/protocol.md)',
      };
    }
    try {
      return { ok: true, claims: await this.options.tokens.verify(token) };
    } catch (error) {
      const message = error instanceof VisemoError ? error.message : 'the session token is not valid';
      return { ok: false, code: ErrorCode.Unauthorized, message };
    }
  }
}

/**
 * Browsers send the page's origin with every WebSocket handshake; a page of another site must not
 * open sessions with a visitor's cookies or network position. Clients that are not browsers send
 * none and are judged by their token alone.
 */
export function originAllowed(origin: string | undefined, host: string, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.host === host || allowed.includes(url.origin);
}

function refuse(socket: WebSocket, code: ErrorCode, message: string, closeCode: number): false {
  const event: ServerEvent = { type: 'error', code, message, fatal: true };
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
  socket.close(closeCode, code);
  return false;
}

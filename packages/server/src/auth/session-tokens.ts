import { createHmac, randomUUID } from 'node:crypto';
import { ErrorCode, VisemoError } from '@visemo/core';
import { pseudonym } from '@visemo/privacy';
import { errors, jwtVerify, SignJWT } from 'jose';

/** HS256 keys shorter than the hash add no strength and are easy to guess (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;
export const DEFAULT_TOKEN_TTL_SECONDS = 600;
export const DEFAULT_AUDIENCE = 'visemo';
const ISSUER = 'visemo';
/** Subjects are ids the server made: a caller's external id never appears in a token. */
const DERIVED_PREFIX = 's_';
const ANONYMOUS_PREFIX = 'a_';
/** An anonymous subject as `issue` makes it: `a_` and 32 hex digits (a random UUID's). */
export const ANONYMOUS_SUBJECT = /^a_[0-9a-f]{32}$/;

/** A new anonymous subject id, for a connection that brought no token. */
export function anonymousSubject(): string {
  return `${ANONYMOUS_PREFIX}${randomUUID().replaceAll('-', '')}`;
}

export interface SessionTokenOptions {
  /** The HS256 key, at least 32 bytes. */
  secret: string | Uint8Array;
  /** The key of derived subject ids; by default one derived from `secret`. */
  subjectKey?: string | Uint8Array;
  audience?: string;
  ttlSeconds?: number;
  /** The clock, in ms; tests move it. */
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  /** The pseudonymous subject the token names (its `sub`). */
  subject: string;
}

export interface SessionClaims {
  subject: string;
  agent?: string;
  tokenId: string;
  expiresAt: number;
}

/** Signs and checks the short-lived tokens a page opens a session with (decision 0101). */
export class SessionTokens {
  private readonly secret: Uint8Array;
  private readonly subjectKey: Uint8Array | string;
  private readonly audience: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(options: SessionTokenOptions) {
    this.secret =
      typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (this.secret.byteLength < MIN_SECRET_BYTES) {
      throw new VisemoError(
        ErrorCode.AuthNotConfigured,
        `the token secret has ${this.secret.byteLength} bytes; it needs at least ${MIN_SECRET_BYTES}`,
      );
    }
    // Its own key, so that subject ids do not reveal anything about the signing key.
    this.subjectKey =
      options.subjectKey ?? createHmac('sha256', this.secret).update('visemo subject key').digest();
    this.audience = options.audience ?? DEFAULT_AUDIENCE;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /**
   * A token for one subject: `externalId` (the embedding site's own user id) becomes a stable
   * pseudonym; without one each token gets a fresh anonymous subject, or the anonymous subject
   * `anonymous` asks for again (it must be of the form `ANONYMOUS_SUBJECT`).
   */
  async issue(
    request: { externalId?: string; agent?: string; anonymous?: string } = {},
  ): Promise<IssuedToken> {
    if (request.anonymous !== undefined && !ANONYMOUS_SUBJECT.test(request.anonymous)) {
      throw new VisemoError(ErrorCode.Unauthorized, 'an anonymous subject is a_ and 32 hex digits');
    }
    const subject =
      request.externalId !== undefined
        ? `${DERIVED_PREFIX}${pseudonym(this.subjectKey, request.externalId)}`
        : (request.anonymous ?? anonymousSubject());
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const claims = request.agent === undefined ? {} : { agent: request.agent };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(this.audience)
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.secret);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString(), subject };
  }

  /** The claims of a valid token; a `VisemoError` `unauthorized` saying why otherwise. */
  async verify(token: string): Promise<SessionClaims> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: this.audience,
        requiredClaims: ['sub', 'exp', 'jti'],
        currentDate: new Date(this.now()),
      });
      const claims: SessionClaims = {
        subject: payload.sub as string,
        tokenId: payload.jti as string,
        expiresAt: (payload.exp as number) * 1000,
      };
      if (typeof payload.agent === 'string') claims.agent = payload.agent;
      return claims;
    } catch (error) {
      throw new VisemoError(ErrorCode.Unauthorized, refusal(error), { cause: error });
    }
  }
}

function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the session token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the session token is not for this server (${error.claim})`;
  return 'the session token is not valid';
}

import { randomBytes } from 'node:crypto';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { AuthOptions, ServerSecurityOptions } from '../http/security.js';
import { isLoopbackHost } from './loopback.js';
import { MIN_SECRET_BYTES } from './session-tokens.js';

export interface SecurityEnvironmentOptions {
  /** The address the server listens on. */
  host: string;
  /** Serve without authentication on a non-loopback host (`--insecure`). */
  insecure?: boolean;
}

export interface ResolvedSecurity {
  options: ServerSecurityOptions;
  /** `keys`: tokens from API keys; `dev`: dev tokens for this machine; `open`: no authentication. */
  mode: 'keys' | 'dev' | 'open';
  /** Lines to tell the operator at start-up. */
  notes: string[];
}

/**
 * The security of `visemo serve`, from the environment (docs/security.md):
 * - VISEMO_TOKEN_SECRET and VISEMO_API_KEYS set: session tokens from `POST /v1/tokens`;
 * - neither set, listening on loopback: dev mode, a secret made for this process and
 *   `GET /v1/dev-token` for pages on this machine, so `npm start` needs nothing;
 * - neither set, reachable from other hosts: refused, unless `insecure`.
 */
export function securityFromEnvironment(
  env: Record<string, string | undefined>,
  options: SecurityEnvironmentOptions,
): ResolvedSecurity {
  const secret = env.VISEMO_TOKEN_SECRET || undefined;
  const apiKeys = list(env.VISEMO_API_KEYS);
  const shared: ServerSecurityOptions = {};
  if (env.VISEMO_ADMIN_KEY) shared.adminKey = env.VISEMO_ADMIN_KEY;
  const frameAncestors = list(env.VISEMO_FRAME_ANCESTORS);
  if (frameAncestors.length > 0) shared.securityHeaders = { frameAncestors };
  const trustProxy = parseTrustProxy(env.VISEMO_TRUST_PROXY);
  if (trustProxy !== undefined) shared.trustProxy = trustProxy;
  const authShared: Partial<AuthOptions> = {};
  const allowedOrigins = list(env.VISEMO_ALLOWED_ORIGINS);
  if (allowedOrigins.length > 0) authShared.allowedOrigins = allowedOrigins;
  if (env.VISEMO_TOKEN_TTL_SECONDS) authShared.tokenTtlSeconds = seconds(env.VISEMO_TOKEN_TTL_SECONDS);
  if (env.VISEMO_SUBJECT_KEY) authShared.subjectKey = env.VISEMO_SUBJECT_KEY;

  if (secret !== undefined && apiKeys.length > 0) {
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw notConfigured(
        `VISEMO_TOKEN_SECRET needs at least ${MIN_SECRET_BYTES} bytes (openssl rand -hex 32)`,
      );
    }
    return {
      options: { ...shared, auth: { ...authShared, tokenSecret: secret, apiKeys } },
      mode: 'keys',
      notes: [`session tokens from POST /v1/tokens for ${apiKeys.length} API key(s)`],
    };
  }
  if (secret !== undefined || apiKeys.length > 0) {
    const missing = secret === undefined ? 'VISEMO_TOKEN_SECRET' : 'VISEMO_API_KEYS';
    throw notConfigured(
      `${missing} is not set: session tokens need both VISEMO_TOKEN_SECRET and VISEMO_API_KEYS`,
    );
  }
  if (isLoopbackHost(options.host)) {
    return {
      options: {
        ...shared,
        auth: { ...authShared, tokenSecret: randomBytes(MIN_SECRET_BYTES), devTokens: true },
      },
      mode: 'dev',
      notes: ['dev mode: pages on this machine get session tokens from GET /v1/dev-token'],
    };
  }
  if (options.insecure) {
    return {
      options: shared,
      mode: 'open',
      notes: [`WARNING: serving on ${options.host} without authentication: anyone who can reach it may talk`],
    };
  }
  throw notConfigured(
    `${options.host} is reachable from other machines and no keys are set: set VISEMO_TOKEN_SECRET and ` +
      'VISEMO_API_KEYS (docs/security.md), listen on 127.0.0.1, or pass --insecure to serve without authentication',
  );
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw notConfigured(`VISEMO_TOKEN_TTL_SECONDS must be a whole number of seconds, not "${value}"`);
  return n;
}

/** `true` (every proxy), or the addresses/CIDRs of the proxies, as Fastify's `trustProxy` takes them. */
function parseTrustProxy(value: string | undefined): ServerSecurityOptions['trustProxy'] | undefined {
  if (!value) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return list(value);
}

function notConfigured(message: string): VisemoError {
  return new VisemoError(ErrorCode.AuthNotConfigured, message);
}

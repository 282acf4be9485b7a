import { ErrorCode, VisemoError } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { securityFromEnvironment } from '../src/auth/environment.js';

const SECRET = '0123456789abcdef0123456789abcdef';

function refusal(fn: () => unknown): VisemoError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VisemoError) return error;
  }
  throw new Error('expected a VisemoError');
}

describe('securityFromEnvironment', () => {
  it('needs nothing on loopback: dev tokens with a secret made for the process', () => {
    const a = securityFromEnvironment({}, { host: '127.0.0.1' });
    const b = securityFromEnvironment({}, { host: 'localhost' });
    expect(a.mode).toBe('dev');
    expect(a.options.auth?.devTokens).toBe(true);
    expect(a.options.auth?.tokenSecret).not.toEqual(b.options.auth?.tokenSecret);
  });

  it('uses the configured keys wherever it listens', () => {
    const resolved = securityFromEnvironment(
      {
        VISEMO_TOKEN_SECRET: SECRET,
        VISEMO_API_KEYS: 'key-a, key-b',
        VISEMO_ADMIN_KEY: 'admin',
        VISEMO_ALLOWED_ORIGINS: 'https://shop.example',
        VISEMO_FRAME_ANCESTORS: 'https://kiosk.example',
        VISEMO_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
        VISEMO_TOKEN_TTL_SECONDS: '120',
      },
      { host: '0.0.0.0' },
    );
    expect(resolved.mode).toBe('keys');
    expect(resolved.options).toEqual({
      adminKey: 'admin',
      securityHeaders: { frameAncestors: ['https://kiosk.example'] },
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      auth: {
        tokenSecret: SECRET,
        apiKeys: ['key-a', 'key-b'],
        allowedOrigins: ['https://shop.example'],
        tokenTtlSeconds: 120,
      },
    });
  });

  it('refuses to serve other machines without keys, unless told it is insecure', () => {
    const error = refusal(() => securityFromEnvironment({}, { host: '0.0.0.0' }));
    expect(error.code).toBe(ErrorCode.AuthNotConfigured);
    expect(error.message).toContain('VISEMO_TOKEN_SECRET');
    expect(error.message).toContain('--insecure');
    const open = securityFromEnvironment({}, { host: '0.0.0.0', insecure: true });
    expect(open.mode).toBe('open');
    expect(open.options.auth).toBeUndefined();
    expect(open.notes.join()).toContain('without authentication');
  });

  it('names what is missing when only half is configured, and a secret too short', () => {
    expect(
      refusal(() => securityFromEnvironment({ VISEMO_API_KEYS: 'k' }, { host: '127.0.0.1' })).message,
    ).toContain('VISEMO_TOKEN_SECRET is not set');
    expect(
      refusal(() => securityFromEnvironment({ VISEMO_TOKEN_SECRET: SECRET }, { host: '::1' })).message,
    ).toContain('VISEMO_API_KEYS is not set');
    expect(
      refusal(() =>
        securityFromEnvironment({ VISEMO_TOKEN_SECRET: 'short', VISEMO_API_KEYS: 'k' }, { host: '::1' }),
      ).message,
    ).toContain('32 bytes');
  });
});

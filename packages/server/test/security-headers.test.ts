import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServerOptions } from '../src/http/server.js';
import { stubRuntime } from './support/stub-runtime.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(extra: Partial<ServerOptions> = {}) {
  const webRoot = await mkdtemp(join(tmpdir(), 'visemo-headers-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>page</title>');
  app = await createServer({ runtime: stubRuntime(), webRoot, ...extra });
  return app;
}

function directives(header: string | string[] | number | undefined): Map<string, string> {
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name as string, values.join(' ')]),
  );
}

describe('security headers', () => {
  it('are on the page and on the API', async () => {
    const server = await serve();
    for (const url of ['/', '/health']) {
      const response = await server.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      const csp = directives(response.headers['content-security-policy']);
      expect(csp.get('default-src')).toBe("'self'");
      expect(csp.get('frame-ancestors')).toBe("'none'");
      expect(csp.get('object-src')).toBe("'none'");
    }
  });

  it('allow no inline script, no eval and no other origin in the page', async () => {
    const csp = directives((await (await serve()).inject({ url: '/' })).headers['content-security-policy']);
    expect(csp.get('script-src')).toBe("'self' blob:");
    expect(csp.get('style-src')).toBe("'self'");
    expect(csp.get('connect-src')).toBe("'self' blob: data:");
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it('let the listed origins frame the page, for kiosks', async () => {
    const server = await serve({ securityHeaders: { frameAncestors: ['https://kiosk.example'] } });
    const response = await server.inject({ url: '/' });
    expect(directives(response.headers['content-security-policy']).get('frame-ancestors')).toBe(
      'https://kiosk.example',
    );
    expect(response.headers['x-frame-options']).toBeUndefined();
  });

  it('take directive overrides, and can be left to a proxy', async () => {
    const server = await serve({
      securityHeaders: { contentSecurityPolicy: { 'img-src': ["'self'", 'https://cdn.example'] } },
    });
    const csp = directives((await server.inject({ url: '/' })).headers['content-security-policy']);
    expect(csp.get('img-src')).toBe("'self' https://cdn.example");
    await server.close();
    const bare = await serve({ securityHeaders: false });
    const response = await bare.inject({ url: '/' });
    expect(response.headers['content-security-policy']).toBeUndefined();
    expect(response.headers['x-frame-options']).toBeUndefined();
  });
});

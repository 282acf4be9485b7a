import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer } from '../src/http/server.js';
import { readTlsCredentials } from '../src/http/tls.js';
import type { ServerEvent } from '../src/protocol/server-events.js';
import { hasOpenssl, selfSignedCert } from './support/self-signed-cert.js';
import { stubRuntime } from './support/stub-runtime.js';

const openssl = hasOpenssl();
if (!openssl) console.warn('tls.test.ts skipped: openssl is not installed (apt-get install openssl)');

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe.skipIf(!openssl)('HTTPS and WSS', () => {
  it('serves the API over HTTPS and sessions over WSS with the given certificate', async () => {
    const files = selfSignedCert();
    const credentials = await readTlsCredentials(files);
    app = await createServer({ runtime: stubRuntime(), https: credentials });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(files.certFile);
    const health = await httpsGet(`${url}/health`, ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });

    const socket = new WebSocket(`${url.replace('https', 'wss')}/v1/ws`, { ca });
    const started = await new Promise<ServerEvent>((resolve, reject) => {
      socket.on('message', (data) => resolve(JSON.parse(String(data)) as ServerEvent));
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false })),
      );
      socket.on('error', reject);
    });
    expect(started.type).toBe('session.started');
    socket.close();
    // A client that does not trust the certificate gets no answer.
    await expect(httpsGet(`${url}/health`, Buffer.from(''))).rejects.toThrow(/self-signed|certificate/i);
  });

  it('refuses a missing file, and a key that is not the certificate’s, with tls_not_configured', async () => {
    const files = selfSignedCert();
    const other = selfSignedCert();
    await expect(readTlsCredentials({ ...files, keyFile: `${files.keyFile}.missing` })).rejects.toMatchObject(
      {
        code: 'tls_not_configured',
        message: expect.stringContaining('ENOENT'),
      },
    );
    await expect(readTlsCredentials({ ...files, keyFile: other.keyFile })).rejects.toMatchObject({
      code: 'tls_not_configured',
    });
    writeFileSync(other.certFile, 'not a certificate');
    await expect(readTlsCredentials(other)).rejects.toMatchObject({ code: 'tls_not_configured' });
  });
});

import { readFile } from 'node:fs/promises';
import { get } from 'node:https';
import type { ServerEvent } from '@visemo/server';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
// The server's tests make the same certificate; one maker serves both.
import { hasOpenssl, selfSignedCert } from '../../../packages/server/test/support/self-signed-cert.js';
import { runVisemo } from './support/run-visemo.js';
import { type ServeProcess, startServe } from './support/serve-process.js';

const tls = hasOpenssl() ? selfSignedCert() : undefined;
if (!tls)
  console.warn(
    'serve.test.ts: openssl is missing (apt-get install openssl), so the server is tested without TLS',
  );

let server: ServeProcess | undefined;

afterAll(() => {
  server?.child.kill('SIGKILL');
});

function getJson(url: string, ca: Buffer | undefined): Promise<{ token: string }> {
  if (!ca) return fetch(url).then((r) => r.json() as Promise<{ token: string }>);
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve(JSON.parse(body) as { token: string }));
    }).on('error', reject);
  });
}

describe('visemo serve', () => {
  it('serves WSS with --tls-cert and --tls-key, and on SIGTERM ends the session with server_shutdown', async () => {
    const tlsArgs = tls ? ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] : [];
    server = await startServe(['--agent', 'examples/support-agent', '--speakers', '1', ...tlsArgs]);
    expect(server.url).toMatch(tls ? /^https:/ : /^http:/);
    const ca = tls ? await readFile(tls.certFile) : undefined;
    // Dev mode on 127.0.0.1: a token from this machine.
    const { token } = await getJson(`${server.url}/v1/dev-token`, ca);
    const socket = new WebSocket(
      `${server.url.replace(/^http/, 'ws')}/v1/ws`,
      ['visemo.v1', `visemo.token.${token}`],
      {
        ...(ca ? { ca } : {}),
      },
    );
    const events: ServerEvent[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const event = JSON.parse(String(data)) as ServerEvent;
        events.push(event);
        if (event.type === 'session.started') resolve();
        if (event.type === 'error') reject(new Error(`${event.code}: ${event.message}`));
      });
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false })),
      );
      socket.on('error', reject);
    });

    const code = await server.stop('SIGTERM');
    expect(await closed).toBe(1001);
    expect(events.at(-1)).toEqual({ type: 'session.ended', reason: 'server_shutdown' });
    expect(code).toBe(0);
    expect(server.stderr()).toMatch(/stopping/);
  }, 180_000);
});

describe('visemo serve usage', () => {
  it('refuses a capacity that makes no sense and half a TLS configuration, before loading the agent', async () => {
    for (const [args, message] of [
      [['--max-sessions', '0'], /--max-sessions must be at least 1/],
      [['--idle-timeout', '5m'], /--idle-timeout must be a whole number/],
      [['--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
    ] as const) {
      const run = await runVisemo(['serve', '--agent', 'examples/support-agent', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const missing = await runVisemo([
      'serve',
      '--agent',
      'examples/support-agent',
      '--tls-cert',
      'no-cert.pem',
      '--tls-key',
      'no-key.pem',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-cert\.pem: ENOENT \(tls_not_configured\)/);
  });
});

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AgentRuntime,
  createEmbeddedRuntime,
  createServer,
  type SecurityHeaderOptions,
} from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { buildOnce, CHROMIUM, launchChromium } from './support/browser-harness.js';

/**
 * The page's `?server=` parameter: a link must not send a visitor's microphone to a server the
 * operator did not allow. The page's CSP here lets it connect to the foreign server, so only the
 * page's own rule can keep it away.
 */

const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');
let built: Awaited<ReturnType<typeof buildOnce>>;
let app: FastifyInstance;
let url: string;
let foreign: WebSocketServer;
let foreignUrl: string;
const foreignConnections: string[] = [];
let browser: Browser;
let runtime: AgentRuntime;
let csp: SecurityHeaderOptions;

describe.skipIf(!existsSync(CHROMIUM))('the page’s ?server= parameter', () => {
  beforeAll(async () => {
    foreign = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => foreign.once('listening', r));
    foreignUrl = `ws://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    foreign.on('connection', (_socket, request) => foreignConnections.push(request.url ?? ''));
    built = await buildOnce();
    runtime = (await createEmbeddedRuntime(SUPPORT_AGENT)).runtime;
    csp = { contentSecurityPolicy: { 'connect-src': ["'self'", foreignUrl] } };
    app = await createServer({ runtime, webRoot: built.outDir, securityHeaders: csp });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    foreign?.close();
    built?.cleanup();
  });

  /** Opens the page with `?server=` naming the foreign server; `from` serves the page. */
  async function open(from = url): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${from}/?server=${encodeURIComponent(`${foreignUrl}/v1/ws`)}`);
    return page;
  }

  it('ignores a server of another origin, says so, and talks to its own', async () => {
    const page = await open();
    await page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
    await expect.poll(() => page.locator('#server-notice').isVisible()).toBe(true);
    expect(await page.textContent('#server-notice')).toContain(foreignUrl.replace('ws://', ''));
    expect(foreignConnections).toEqual([]);
    await page.context().close();
  });

  it('connects to a server the operator lists in <meta name="visemo-allowed-servers">', async () => {
    // The operator's own index.html lists the servers it allows.
    const webRoot = mkdtempSync(join(tmpdir(), 'visemo-web-allowed-'));
    cpSync(built.outDir, webRoot, { recursive: true });
    const index = join(webRoot, 'index.html');
    const meta = `<meta name="visemo-allowed-servers" content="https://other.example ${foreignUrl}">`;
    writeFileSync(index, readFileSync(index, 'utf8').replace('</head>', `${meta}</head>`));
    const operator = await createServer({ runtime, webRoot, securityHeaders: csp });
    const page = await open(await operator.listen({ port: 0, host: '127.0.0.1' }));
    await expect.poll(() => foreignConnections.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(foreignConnections[0]).toBe('/v1/ws');
    expect(await page.locator('#server-notice').count()).toBe(0);
    await page.context().close();
    await operator.close();
    rmSync(webRoot, { recursive: true, force: true });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AgentRuntime,
  createEmbeddedRuntime,
  createServer,
  securityFromEnvironment,
} from '@visemo/server';
import { generateMasterKey, openStorage, type Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWebApp, type WebAppBuild } from '../../src/index.js';

/** Debian's Chromium; another build can be named in CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../../../artifacts');

/** Builds the app once per test file, into a folder of its own. */
export async function buildOnce(): Promise<WebAppBuild & { cleanup(): void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'visemo-web-'));
  const built = await buildWebApp({ outDir });
  return { ...built, cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}

/** The protocol server with the built web app at `/`, on a real port (WebSockets need one). */
export async function startServer(
  runtime: AgentRuntime,
  webRoot: string,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await createServer({ runtime, webRoot });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/**
 * The page as `npm start` serves it: the agent's embedded runtime, dev-mode tokens on loopback,
 * storage in a throw-away embedded database. `close` stops the server, then the storage.
 */
export async function startStoredServer(
  agentDir: string,
  webRoot: string,
): Promise<{ app: FastifyInstance; url: string; storage: Storage; close(): Promise<void> }> {
  const { runtime } = await createEmbeddedRuntime(agentDir);
  const storage = await openStorage({ dataDir: 'memory://', masterKey: generateMasterKey() });
  const security = securityFromEnvironment({}, { host: '127.0.0.1', insecure: false });
  if (security.mode !== 'dev') throw new Error(`expected dev-mode security, got ${security.mode}`);
  const app = await createServer({ runtime, webRoot, storage, ...security.options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    storage,
    close: async () => {
      await app.close();
      await storage.close();
    },
  };
}

/**
 * A WAV for Chromium's fake microphone: Flite's `voice` speaking `text`, with `leadSec` of silence
 * before and `tailSec` after (Chromium loops the file).
 */
export function fakeMicrophoneWav(text: string, leadSec = 1, tailSec = 8, voice = 'slt'): string {
  const dir = mkdtempSync(join(tmpdir(), 'visemo-mic-'));
  const speech = join(dir, 'speech.wav');
  const padded = join(dir, 'mic.wav');
  execFileSync('flite', ['-voice', voice, '-t', text, '-o', speech]);
  execFileSync('sox', [speech, padded, 'pad', String(leadSec), String(tailSec)]);
  return padded;
}

export async function launchChromium(
  options: { microphoneWav?: string; extraArgs?: string[] } = {},
): Promise<Browser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
  ];
  if (options.microphoneWav) args.push(`--use-file-for-fake-audio-capture=${options.microphoneWav}`);
  args.push(...(options.extraArgs ?? []));
  return chromium.launch({ executablePath: CHROMIUM, args });
}

export async function openPage(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number; reducedMotion?: boolean; query?: string } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: options.height ?? 860 },
    reducedMotion: options.reducedMotion ? 'reduce' : 'no-preference',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // `trace` makes the page keep every SDK event for the tests to read.
  const query = options.query ? `${options.query}&trace` : '?trace';
  await page.goto(`${url}/${query}`);
  return { context, page, errors };
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}

/** axe-core's browser build, evaluated in the page (over the debugging protocol, so the CSP allows it). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One rule axe-core finds broken, with the elements that break it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  targets: string[];
}

/** Runs axe-core's full rule set on the page as it is now; [] when it finds nothing. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    }
    const results = await axe.run();
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

/** The session is open and the greeting has played to its end. */
export async function greeted(page: Page): Promise<void> {
  await page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
  await page.waitForFunction(
    () => (window.visemo.trace as { type: string }[]).some((e) => e.type === 'playback.end'),
    undefined,
    { timeout: 20_000 },
  );
}

/**
 * The app built, served with an example agent (`examples/NAME`) on its embedded runtime, and
 * Chromium launched: what a browser test file starts with; `close()` undoes all of it.
 */
export async function servedExample(
  agent: string,
  options: { microphoneWav?: string; speakers?: 'detect' } = {},
): Promise<{ url: string; browser: Browser; close(): Promise<void> }> {
  const built = await buildOnce();
  const { runtime } = await createEmbeddedRuntime(
    resolve(import.meta.dirname, '../../../../examples', agent),
  );
  const server = await startServer(
    options.speakers ? { ...runtime, speakers: options.speakers } : runtime,
    built.outDir,
  );
  const browser = await launchChromium(options);
  return {
    url: server.url,
    browser,
    close: async () => {
      await browser.close();
      await server.app.close();
      built.cleanup();
    },
  };
}

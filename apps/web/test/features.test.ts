import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEmbeddedRuntime, createServer, FlagFileProvider, SessionFlags } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CHROMIUM, greeted, launchChromium, openPage } from './support/browser-harness.js';

/**
 * The page honours the avatar capabilities the server's feature flags give a session
 * (`session.started.features`), and reports when it played and drew each reply (`client.timing`).
 */

const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');
/** Every avatar capability the page honours turned off, as an operator's flag file would. */
const ALL_OFF = {
  flags: Object.fromEntries(
    ['renderer3d', 'expressions', 'handsFree'].map((name) => [
      name,
      { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    ]),
  ),
};

let built: Awaited<ReturnType<typeof buildOnce>>;
let plain: { app: FastifyInstance; url: string };
let flagged: { app: FastifyInstance; url: string; flags: SessionFlags };
let browser: Browser;

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** The hop counts of `visemo_turn_hop_seconds` on the server's /metrics. */
async function hopCount(url: string, hop: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`visemo_turn_hop_seconds_count{hop="${hop}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.skipIf(!existsSync(CHROMIUM))('session features and client timing in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    const { runtime } = await createEmbeddedRuntime(SUPPORT_AGENT);
    const plainApp = await createServer({ runtime, webRoot: built.outDir });
    plain = { app: plainApp, url: await listen(plainApp) };
    const flags = await SessionFlags.open({ provider: FlagFileProvider.fromDefinitions(ALL_OFF) });
    const flaggedApp = await createServer({ runtime, webRoot: built.outDir, flags });
    flagged = { app: flaggedApp, url: await listen(flaggedApp), flags };
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await plain?.app.close();
    await flagged?.app.close();
    await flagged?.flags.close();
    built?.cleanup();
  });

  it('with every capability on: the 3D character asked for, expressions shown, hands-free offered', async () => {
    const { page, errors, context } = await openPage(browser, plain.url, { query: '?avatar=3d' });
    await greeted(page);
    expect(await page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('webgl');
    expect(await page.isVisible('#hands-free')).toBe(true);
    // The greeting carries the agent's `happy`, and the face shows it.
    expect(await page.evaluate(() => window.visemo.page.renderer.shownExpression?.name)).toBe('happy');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('with them off: the 2D face even when 3D is asked for, a neutral face, no hands-free, no model files', async () => {
    const { page, errors, context } = await openPage(browser, flagged.url, { query: '?avatar=3d' });
    await greeted(page);
    const started = await page.evaluate(() =>
      (window.visemo.trace as { type: string; features?: Record<string, boolean> }[]).find(
        (e) => e.type === 'session.started',
      ),
    );
    expect(started?.features).toMatchObject({ renderer3d: false, expressions: false, handsFree: false });
    expect(await page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
    // The server still sent the greeting's expression; the page did not show it.
    expect(
      await page.evaluate(() =>
        (window.visemo.trace as { type: string }[]).some((e) => e.type === 'expression'),
      ),
    ).toBe(true);
    expect(await page.evaluate(() => window.visemo.page.renderer.shownExpression?.name)).toBe('neutral');
    expect(await page.isVisible('#hands-free')).toBe(false);
    expect(await page.locator('#avatar-choice option[value="file"]').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reports each reply’s first sample heard and first mouth shape drawn', async () => {
    const before = {
      sample: await hopCount(plain.url, 'client_first_sample'),
      viseme: await hopCount(plain.url, 'client_first_viseme'),
    };
    const { page, context } = await openPage(browser, plain.url);
    await greeted(page);
    await page.fill('#message', 'How long does delivery take?');
    await page.press('#message', 'Enter');
    await page.waitForFunction(
      () => (window.visemo.trace as { type: string }[]).filter((e) => e.type === 'playback.end').length >= 2,
      undefined,
      { timeout: 20_000 },
    );
    // The greeting and the answer: one report each, with both figures.
    await expect
      .poll(() => hopCount(plain.url, 'client_first_sample'), { timeout: 5000 })
      .toBe(before.sample + 2);
    expect(await hopCount(plain.url, 'client_first_viseme')).toBe(before.viseme + 2);
    await context.close();
  });
});

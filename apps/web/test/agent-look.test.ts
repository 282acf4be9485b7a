import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmbeddedRuntime, createServer } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CHROMIUM, launchChromium, openPage, screenshotPath } from './support/browser-harness.js';
import { triangleGlb } from './support/glb.js';

/** Each agent's own look: the clinic's Theo is not the shop's Maya, and an agent may ship a model. */

const CLINIC = resolve(import.meta.dirname, '../../../examples/clinic-front-desk');
let built: Awaited<ReturnType<typeof buildOnce>>;
let clinic: { app: FastifyInstance; url: string };
let withModel: { app: FastifyInstance; url: string };
let modelDir: string;
let browser: Browser;

async function serve(agentDir: string): Promise<{ app: FastifyInstance; url: string }> {
  const { runtime } = await createEmbeddedRuntime(agentDir, { providers: false });
  const app = await createServer({ runtime, webRoot: built.outDir });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

describe.skipIf(!existsSync(CHROMIUM))('agent looks in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    clinic = await serve(CLINIC);
    // The clinic agent with a model file of its own.
    modelDir = mkdtempSync(join(tmpdir(), 'visemo-agent-model-'));
    cpSync(CLINIC, modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'theo.glb'), triangleGlb(['viseme_aa', 'viseme_O']));
    const yaml = readFileSync(join(modelDir, 'agent.yaml'), 'utf8');
    writeFileSync(
      join(modelDir, 'agent.yaml'),
      yaml.replace('    character: theo\n', '    character: theo\n    model: theo.glb\n'),
    );
    withModel = await serve(modelDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await clinic?.app.close();
    await withModel?.app.close();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    built?.cleanup();
  });

  it('draws the clinic’s Theo, and keeps a long subtitle to two lines', async () => {
    const { page, errors, context } = await openPage(browser, clinic.url, { width: 320, height: 740 });
    await page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
    await expect
      .poll(() =>
        page.evaluate(() => document.querySelector('#avatar-host svg')?.getAttribute('data-character')),
      )
      .toBe('theo');
    // The greeting's second sentence is long: on a phone it would take four lines.
    await page.waitForFunction(
      () => (document.getElementById('subtitle')?.textContent ?? '').includes('appointment'),
      undefined,
      {
        timeout: 20_000,
      },
    );
    const subtitle = await page.evaluate(() => {
      const el = document.getElementById('subtitle') as HTMLElement;
      const line = Number.parseFloat(getComputedStyle(el).lineHeight);
      const padding = Number.parseFloat(getComputedStyle(el).paddingTop) * 2;
      return { lines: (el.clientHeight - padding) / line, clipped: el.scrollHeight > el.clientHeight };
    });
    expect(subtitle.lines).toBeLessThanOrEqual(2.05);
    expect(subtitle.clipped).toBe(true);
    await page.locator('#avatar-frame').screenshot({ path: screenshotPath('agent-look-theo') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the agent’s own model file where the page draws in 3D', async () => {
    const { page, errors, context } = await openPage(browser, withModel.url, {
      query: '?avatar=3d',
      width: 480,
      height: 720,
    });
    await page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
    // The model's two morph targets in place of the built-in character's dozens of channels.
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const inner = window.visemo.page.renderer.inner;
            return inner?.kind === 'webgl' ? Object.keys(inner.getMorphWeights()).sort() : null;
          }),
        { timeout: 30_000 },
      )
      .toEqual(['viseme_O', 'viseme_aa']);
    expect(errors).toEqual([]);
    await context.close();
  });
});

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEmbeddedRuntime, createServer, securityFromEnvironment } from '@visemo/server';
import { generateMasterKey, openStorage, type Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AxeViolation,
  axeViolations,
  buildOnce,
  CHROMIUM,
  greeted,
  launchChromium,
  openPage,
} from './support/browser-harness.js';

/**
 * axe-core's rules on the page in each state a visitor meets, on both example agents: the page as
 * `npm start` serves it (dev-mode tokens, storage, so the consent question and "Your data" show).
 */
const AGENTS = [
  { name: 'support-agent', handoff: 'get me a human please' },
  { name: 'clinic-front-desk', handoff: 'get me a human' },
];

let built: Awaited<ReturnType<typeof buildOnce>>;
let browser: Browser;
const servers: { app: FastifyInstance; storage: Storage; url: string }[] = [];

async function serve(agent: string): Promise<string> {
  const { runtime } = await createEmbeddedRuntime(resolve(import.meta.dirname, '../../../examples', agent));
  const storage = await openStorage({ dataDir: 'memory://', masterKey: generateMasterKey() });
  const security = securityFromEnvironment({}, { host: '127.0.0.1', insecure: false });
  const app = await createServer({ runtime, webRoot: built.outDir, storage, ...security.options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push({ app, storage, url });
  return url;
}

describe.skipIf(!existsSync(CHROMIUM))('accessibility (axe-core) in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const { app, storage } of servers) {
      await app.close();
      await storage.close();
    }
    built?.cleanup();
  });

  for (const agent of AGENTS) {
    it(`finds nothing on the ${agent.name} page: greeting, consent, your data, hand-off, text only`, async () => {
      const url = await serve(agent.name);
      const { page, context, errors } = await openPage(browser, url, { query: '?avatar=2d' });
      const found: Record<string, AxeViolation[]> = {};
      const check = async (state: string) => {
        found[state] = await axeViolations(page);
      };
      try {
        await greeted(page);
        await expect.poll(() => page.locator('#consent').isVisible()).toBe(true);
        await check('greeting, with the consent question');

        await page.locator('#consent-transcripts').check();
        await page.locator('#consent-save').click();
        await expect.poll(() => page.locator('#consent').isVisible()).toBe(false);
        await page.locator('#your-data summary').click();
        await page.locator('#data-show').click();
        await expect.poll(() => page.locator('#data-view').isVisible()).toBe(true);
        await check('your data open');
        await page.locator('#your-data summary').click();

        await page.fill('#message', agent.handoff);
        await page.press('#message', 'Enter');
        await expect.poll(() => page.locator('#handoff').isVisible(), { timeout: 15_000 }).toBe(true);
        await check('hand-off banner');

        await page.locator('#text-only').click();
        await expect.poll(() => page.locator('#voice-controls').isVisible()).toBe(false);
        await page.waitForSelector('#status[data-status="open"]');
        await check('text only');

        expect(found).toEqual(Object.fromEntries(Object.keys(found).map((state) => [state, []])));
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

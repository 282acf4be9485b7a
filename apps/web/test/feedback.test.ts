import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Storage } from '@visemo/storage';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOnce,
  CHROMIUM,
  launchChromium,
  openPage,
  screenshotPath,
  startStoredServer,
} from './support/browser-harness.js';

const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');

let built: Awaited<ReturnType<typeof buildOnce>>;
let server: Awaited<ReturnType<typeof startStoredServer>>;
let storage: Storage;
let url: string;
let browser: Browser;

/** The page as `npm start` serves it, with storage: each answer can be rated. */
describe.skipIf(!existsSync(CHROMIUM))('rating answers in the page', () => {
  beforeAll(async () => {
    built = await buildOnce();
    server = await startStoredServer(SUPPORT_AGENT, built.outDir);
    ({ storage, url } = server);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    built?.cleanup();
  });

  it('stores a thumbs-down on the turn and its telemetry, and a keyboard thumbs-up on the greeting', async () => {
    const { page, errors, context } = await openPage(browser, url, { query: '?avatar=2d' });
    try {
      // The greeting first: a question typed while it plays would cut it before its caption.
      const greetingUp = page
        .locator('.entry.agent')
        .first()
        .getByRole('button', { name: 'This answer helped' });
      await expect.poll(() => greetingUp.isVisible()).toBe(true);
      await page.fill('#message', 'where is my order');
      await page.press('#message', 'Enter');
      const answer = page.locator('.entry.agent').nth(1);
      const down = answer.getByRole('button', { name: 'This answer did not help' });
      const up = answer.getByRole('button', { name: 'This answer helped' });
      await expect.poll(() => down.isVisible()).toBe(true);
      expect(await down.getAttribute('aria-pressed')).toBe('false');
      await down.click();
      await expect.poll(() => down.getAttribute('aria-pressed')).toBe('true');
      expect(await up.getAttribute('aria-pressed')).toBe('false');

      // The greeting's thumbs-up, by keyboard alone.
      await greetingUp.focus();
      await page.keyboard.press('Space');
      await expect.poll(() => greetingUp.getAttribute('aria-pressed')).toBe('true');
      await page.screenshot({ path: screenshotPath('page-answer-rating') });

      const pseudonym = (await page.evaluate(() => localStorage.getItem('visemo.subject'))) as string;
      const subjectId = (await storage.subjects.findByExternalId(pseudonym))?.id as string;
      const [session] = await storage.sessions.list(subjectId);
      const turns = async () =>
        (await storage.sessions.turns(session?.id as string)).map((t) => [t.turnIndex, t.feedback]);
      await expect.poll(turns).toEqual([
        [0, 'up'],
        [1, 'down'],
      ]);
      // Telemetry has the ratings too, under the visitor's pseudonym and without any text.
      const { rows } = await storage.database.query<{ intent: string | null; feedback: string | null }>(
        'SELECT intent, feedback FROM turn_telemetry WHERE subject_pseudonym = $1 ORDER BY id',
        [storage.pseudonymOf(subjectId)],
      );
      expect(rows.map((r) => r.feedback)).toEqual(['up', 'down']);
      expect(rows[1]?.intent).toBe('order_status');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Storage } from '@visemo/storage';
import type { Browser, Page } from 'playwright-core';
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
const QUESTION = 'where is my order';

let built: Awaited<ReturnType<typeof buildOnce>>;
let server: Awaited<ReturnType<typeof startStoredServer>>;
let storage: Storage;
let url: string;
let browser: Browser;

async function agentCaptions(page: Page): Promise<string[]> {
  return page.locator('.entry.agent').allTextContents();
}

/** The page as `npm start` serves it: dev-mode tokens on loopback, storage in an embedded database. */
describe.skipIf(!existsSync(CHROMIUM))('the visitor’s data in the page', () => {
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

  it('asks before keeping anything, shows what it keeps, forgets a visitor on request', async () => {
    const { page, errors, context } = await openPage(browser, url, { query: '?avatar=2d' });
    try {
      // Never asked: the question shows, with the agent's retention next to each category.
      const consent = page.locator('#consent');
      await expect.poll(() => consent.isVisible()).toBe(true);
      expect(await page.locator('#retention-transcripts').textContent()).toMatch(/kept \d+ days/);

      await page.locator('#consent-transcripts').check();
      await page.locator('#consent-memory').check();
      await page.locator('#consent-save').click();
      await expect.poll(() => consent.isVisible()).toBe(false);
      await expect
        .poll(() => page.locator('.entry.system').allTextContents())
        .toContainEqual(expect.stringContaining('Saved: kept after this conversation: the transcript'));

      // A typed turn, then "What do you know about me?" lists it.
      await page.fill('#message', QUESTION);
      await page.press('#message', 'Enter');
      await expect.poll(async () => (await agentCaptions(page)).length).toBeGreaterThan(1);
      await page.locator('#your-data summary').click();
      expect(await page.locator('#consent-summary').textContent()).toContain(
        'the transcript, remembered facts',
      );
      await page.locator('#data-show').click();
      const turnsKept = () => page.locator('#data-summary dt:text("Turns kept") + dd').textContent();
      await expect.poll(turnsKept).not.toBe('0');
      await page.screenshot({ path: screenshotPath('page-your-data') });

      // The same visitor, as the server stores them: the page's pseudonym names a subject whose
      // turns hold the question.
      const pseudonym = await page.evaluate(() => localStorage.getItem('visemo.subject'));
      expect(pseudonym).toMatch(/^a_/);
      const subjectId = (await storage.subjects.findByExternalId(pseudonym as string))?.id as string;
      const stored = await storage.exportSubject(subjectId, { actor: 'test' });
      expect(JSON.stringify(stored.sessions)).toContain(QUESTION);

      // "Forget me": a confirmation first, then nothing is left and the page starts as a new visitor.
      await page.locator('#data-erase').click();
      await expect.poll(() => page.locator('#data-erase-confirmation').isVisible()).toBe(true);
      await page.locator('#data-erase-confirm').click();
      await expect
        .poll(() => page.locator('#data-notice').textContent())
        .toBe('Everything stored about you has been erased.');
      await expect
        .poll(() =>
          storage.exportSubject(subjectId, { actor: 'test' }).then(
            () => 'found',
            () => 'gone',
          ),
        )
        .toBe('gone');
      expect(await storage.subjects.findByExternalId(pseudonym as string)).toBeNull();
      await expect
        .poll(() => page.evaluate(() => localStorage.getItem('visemo.subject')))
        .not.toBe(pseudonym);
      // The new visitor has never been asked.
      await expect.poll(() => consent.isVisible()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps nothing past the conversation for a visitor who declines', async () => {
    const { page, errors, context } = await openPage(browser, url, { query: '?avatar=2d' });
    try {
      await expect.poll(() => page.locator('#consent').isVisible()).toBe(true);
      await page.locator('#consent-decline').click();
      await expect
        .poll(() => page.locator('.entry.system').allTextContents())
        .toContainEqual('Nothing will be kept after this conversation.');
      await page.fill('#message', QUESTION);
      await page.press('#message', 'Enter');
      await expect.poll(async () => (await agentCaptions(page)).length).toBeGreaterThan(1);
      const pseudonym = (await page.evaluate(() => localStorage.getItem('visemo.subject'))) as string;
      const subjectId = (await storage.subjects.findByExternalId(pseudonym))?.id as string;
      expect(JSON.stringify((await storage.exportSubject(subjectId, { actor: 'test' })).sessions)).toContain(
        QUESTION,
      );
      await page.evaluate(() => window.visemo.page.sdk.end());
      // Once the session has ended, no text of it is kept.
      await expect
        .poll(async () =>
          JSON.stringify((await storage.exportSubject(subjectId, { actor: 'test' })).sessions),
        )
        .not.toContain(QUESTION);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
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

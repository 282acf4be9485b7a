import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  CHROMIUM,
  greeted,
  openPage,
  screenshotPath,
  servedExample,
} from './support/browser-harness.js';

/** The network goes while the visitor types: the page says so at once and sends when it is back. */
const QUESTION = 'How long does delivery take?';

let served: Awaited<ReturnType<typeof servedExample>>;
let browser: Browser;

describe.skipIf(!existsSync(CHROMIUM))('a lost network in Chromium', () => {
  beforeAll(async () => {
    served = await servedExample('support-agent');
    browser = served.browser;
  });

  afterAll(async () => {
    await served?.close();
  });

  it('shows offline at once, keeps a typed message visibly waiting, and sends it when the network is back', async () => {
    const { page, context, errors } = await openPage(browser, served.url, { query: '?avatar=2d' });
    try {
      await greeted(page);
      await context.setOffline(true);
      await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('offline');
      expect(await page.locator('#status-text').textContent()).toBe('Offline: no network');

      await page.fill('#message', QUESTION);
      await page.press('#message', 'Enter');
      const waiting = page.locator('.entry.user.queued');
      await expect.poll(() => waiting.count()).toBe(1);
      expect(await waiting.locator('.text').textContent()).toBe(QUESTION);
      expect(await waiting.locator('.queued-state').textContent()).toBe('Waiting to send');
      expect(await page.inputValue('#message')).toBe('');
      // Nothing went while offline: no answer, and still waiting after a while.
      await page.waitForTimeout(1500);
      expect(await waiting.count()).toBe(1);
      expect(await page.locator('.entry.user:not(.queued)').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: screenshotPath('page-offline-queued') });

      await context.setOffline(false);
      await expect
        .poll(() => page.locator('#status').getAttribute('data-status'), { timeout: 15_000 })
        .toBe('open');
      await expect.poll(() => waiting.count(), { timeout: 10_000 }).toBe(0);
      await expect
        .poll(() => page.locator('.entry.user .text').allTextContents(), { timeout: 10_000 })
        .toEqual([QUESTION]);
      await expect
        .poll(() => page.locator('.entry.agent .text').allTextContents(), { timeout: 20_000 })
        .toContainEqual(expect.stringContaining('delivery takes'));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, greeted, openPage, screenshotPath, servedExample } from './support/browser-harness.js';

/** What the composer tells about an over-long message, and where the hand-off banner sits. */

let served: Awaited<ReturnType<typeof servedExample>>;
let browser: Browser;

describe.skipIf(!existsSync(CHROMIUM))('the composer and the hand-off banner in Chromium', () => {
  beforeAll(async () => {
    served = await servedExample('support-agent');
    browser = served.browser;
  });

  afterAll(async () => {
    await served?.close();
  });

  it('keeps a 5,000-character message whole and says it is over the limit instead of cutting it', async () => {
    const { page, context, errors } = await openPage(browser, served.url, { query: '?avatar=2d' });
    try {
      await greeted(page);
      const long = 'Where is my order? '.repeat(300).slice(0, 5000);
      await page.fill('#message', long);
      // Nothing is cut in the box: all of it is there to shorten.
      expect((await page.inputValue('#message')).length).toBe(5000);
      const note = page.locator('#message-length');
      await expect.poll(() => note.isVisible()).toBe(true);
      expect(await note.textContent()).toBe(
        'Your message is 5,000 characters; the assistant reads at most 2,000. Shorten it by 3,000 to send it.',
      );
      expect(await page.getAttribute('#message', 'aria-invalid')).toBe('true');
      await page.press('#message', 'Enter');
      // Not sent, not lost.
      await page.waitForTimeout(500);
      expect(await page.locator('.entry.user').count()).toBe(0);
      expect((await page.inputValue('#message')).length).toBe(5000);
      await page.screenshot({ path: screenshotPath('page-message-too-long') });

      await page.fill('#message', long.slice(0, 1990));
      await expect.poll(() => note.isVisible()).toBe(false);
      expect(await page.getAttribute('#message', 'aria-invalid')).toBeNull();
      await page.press('#message', 'Enter');
      await expect.poll(() => page.locator('.entry.user').count(), { timeout: 10_000 }).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  for (const size of [
    { name: 'desktop', width: 1200, height: 860 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`shows the hand-off banner above the captions, covering none of them (${size.name})`, async () => {
      const { page, context } = await openPage(browser, served.url, { query: '?avatar=2d', ...size });
      try {
        await greeted(page);
        await page.fill('#message', 'get me a human please');
        await page.press('#message', 'Enter');
        await expect.poll(() => page.locator('#handoff').isVisible(), { timeout: 15_000 }).toBe(true);
        await expect.poll(() => page.locator('.entry.agent').count(), { timeout: 15_000 }).toBe(2);
        await page.locator('#log-region').evaluate((region) => {
          region.scrollTop = 0;
        });
        const banner = await page.locator('#handoff').boundingBox();
        const region = await page.locator('#log-region').boundingBox();
        const first = await page.locator('#log .entry').first().boundingBox();
        expect(banner && region && first).toBeTruthy();
        if (!banner || !region || !first) return;
        // The banner ends before the captions' region begins, and the first caption is inside it.
        expect(banner.y + banner.height).toBeLessThanOrEqual(region.y);
        expect(first.y).toBeGreaterThanOrEqual(region.y);
        // What is drawn at the first caption's top-left is the caption, not the banner.
        const onTop = await page.evaluate(
          ([x, y]) =>
            document.elementFromPoint(x as number, y as number)?.closest('.entry, .handoff')?.className,
          [first.x + 8, first.y + 4],
        );
        expect(onTop).toContain('entry');
        // A strip across the conversation with an edge below, not a card the captions scroll
        // under: a caption half scrolled away is cut at a visible line.
        const panel = await page.locator('.conversation').evaluate((el) => {
          const box = el.getBoundingClientRect();
          return { left: box.left + el.clientLeft, width: el.clientWidth };
        });
        expect(banner.x).toBeCloseTo(panel.left, 0);
        expect(banner.width).toBeCloseTo(panel.width, 0);
        expect(
          await page
            .locator('#handoff')
            .evaluate((el) => Number.parseFloat(getComputedStyle(el).borderBottomWidth)),
        ).toBeGreaterThanOrEqual(1);
        await page.screenshot({ path: screenshotPath(`page-handoff-${size.name}`), fullPage: true });
      } finally {
        await context.close();
      }
    });
  }
});

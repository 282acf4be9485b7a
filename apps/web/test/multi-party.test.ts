import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEmbeddedRuntime } from '@visemo/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOnce,
  CHROMIUM,
  fakeMicrophoneWav,
  greeted,
  launchChromium,
  openPage,
  screenshotPath,
  startServer,
} from './support/browser-harness.js';

/**
 * Two people in one conversation, each on a browser of their own with a microphone of its own
 * (Chromium's fake capture takes one file per browser): Ana hosts in Flite's slt voice, Bo joins
 * from her invite link and speaks in rms.
 */
const ANA_SAYS = 'what are your opening hours';
const BO_SAYS = 'where is my order';

interface TraceEvent {
  type: string;
  at: number;
  turnId?: number;
  [field: string]: unknown;
}

let url: string;
let anaBrowser: Browser;
let boBrowser: Browser;
let close: () => Promise<void>;

describe.skipIf(!existsSync(CHROMIUM))('a conversation of two pages', () => {
  beforeAll(async () => {
    const built = await buildOnce();
    const { runtime } = await createEmbeddedRuntime(
      resolve(import.meta.dirname, '../../../examples/support-agent'),
    );
    const server = await startServer(runtime, built.outDir);
    url = server.url;
    // A long silence after each question: the looping file asks it once while the test watches.
    anaBrowser = await launchChromium({ microphoneWav: fakeMicrophoneWav(ANA_SAYS, 1, 20, 'slt') });
    boBrowser = await launchChromium({ microphoneWav: fakeMicrophoneWav(BO_SAYS, 1, 20, 'rms') });
    close = async () => {
      await anaBrowser.close();
      await boBrowser.close();
      await server.app.close();
      built.cleanup();
    };
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it('labels each caption with who spoke, on both pages, and both hear the agent', async () => {
    const ana = await openPage(anaBrowser, url, { query: '?avatar=2d&name=Ana', width: 1100, height: 820 });
    await greeted(ana.page);
    const invite = await ana.page.evaluate(() => window.visemo.page.sdk.invite);
    expect(invite).not.toBeNull();
    const link = await ana.page.inputValue('#invite-link');
    expect(link).toContain(`join=${invite?.sessionId}`);
    const joinQuery = new URL(link).search.slice(1);
    const bo = await openPage(boBrowser, url, {
      query: `?avatar=2d&name=Bo&${joinQuery}`,
      width: 1100,
      height: 820,
    });
    try {
      await bo.page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
      await expect
        .poll(() => ana.page.textContent('#people-list'))
        .toBe('In this conversation: Ana (you), Bo');
      expect(await bo.page.textContent('#people-list')).toBe('In this conversation: Ana, Bo (you)');
      // The invite is the host's alone to share.
      expect(await bo.page.isVisible('#invite')).toBe(false);

      // Ana asks first; Bo's microphone opens once her question was heard.
      await ana.page.evaluate(() => window.visemo.page.sdk.startMicrophone('hands-free'));
      await captionOf(ana.page, 'Ana (you)', ANA_SAYS);
      await captionOf(bo.page, 'Ana', ANA_SAYS);
      // Bo waits for the answer to Ana (to speak over it would stop it, as anyone's barge-in does).
      await expect
        .poll(() => events(bo.page, (e) => e.type === 'playback.end' && (e.turnId ?? 0) > 0), {
          timeout: 30_000,
        })
        .not.toEqual([]);
      const boSince = await now(bo.page);
      await bo.page.evaluate(() => window.visemo.page.sdk.startMicrophone('hands-free'));
      await captionOf(bo.page, 'Bo (you)', BO_SAYS);
      await captionOf(ana.page, 'Bo', BO_SAYS);

      // The answer to Bo names him and is played on both pages.
      for (const { page } of [ana, bo]) {
        await expect
          .poll(() => page.locator('.entry.agent .text').allTextContents(), { timeout: 20_000 })
          .toContainEqual(expect.stringMatching(/^Bo, /));
      }
      const boTurn = (await events(bo.page, (e) => e.type === 'transcript.final' && e.at > boSince)).find(
        (e) => (e.speaker as { name?: string } | undefined)?.name === 'Bo',
      )?.turnId;
      expect(boTurn).toBeGreaterThan(0);
      for (const { page } of [ana, bo]) {
        await expect
          .poll(
            async () =>
              (await events(page, (e) => e.type === 'playback.start' && e.turnId === boTurn)).length,
            {
              timeout: 20_000,
            },
          )
          .toBe(1);
      }
      // Neither page's captions took the other's words as its own.
      expect(await userCaptions(ana.page)).not.toContainEqual(['Ana (you)', BO_SAYS]);
      expect(await userCaptions(bo.page)).not.toContainEqual(['Bo (you)', ANA_SAYS]);

      await ana.page.screenshot({ path: screenshotPath('multi-party-ana') });
      await bo.page.screenshot({ path: screenshotPath('multi-party-bo') });
      await sideBySide(anaBrowser, [screenshotPath('multi-party-ana'), screenshotPath('multi-party-bo')]);
      expect([...ana.errors, ...bo.errors]).toEqual([]);
    } finally {
      await bo.context.close();
      await ana.context.close();
    }
  }, 120_000);
});

async function events(page: Page, match: (e: TraceEvent) => boolean): Promise<TraceEvent[]> {
  const trace = (await page.evaluate(() => window.visemo.trace)) as unknown as TraceEvent[];
  return trace.filter(match);
}

function now(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** The page's final user captions as [label, text]. */
function userCaptions(page: Page): Promise<[string, string][]> {
  return page.$$eval('.entry.user:not(.partial)', (items) =>
    items.map((li) => [
      li.querySelector('.who')?.textContent ?? '',
      li.querySelector('.text')?.textContent ?? '',
    ]),
  ) as Promise<[string, string][]>;
}

async function captionOf(page: Page, label: string, text: string): Promise<void> {
  await expect.poll(() => userCaptions(page), { timeout: 25_000 }).toContainEqual([label, text]);
}

/** Both pages in one picture, for docs/multi-party.png. */
async function sideBySide(browser: Browser, files: string[]): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 2228, height: 828 } });
  const page = await context.newPage();
  const images = files.map((f) => `data:image/png;base64,${readFileSync(f).toString('base64')}`);
  await page.setContent(
    `<body style="margin:0;display:flex;gap:20px;padding:4px;background:#9aa5b4">${images
      .map((src) => `<img src="${src}" width="1100" height="820">`)
      .join('')}</body>`,
  );
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  await page.screenshot({ path: screenshotPath('multi-party') });
  await context.close();
}

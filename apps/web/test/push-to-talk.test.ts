import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, fakeMicrophoneWav, greeted, openPage, servedExample } from './support/browser-harness.js';

/**
 * Push-to-talk as people use it: the key goes down before they speak and comes up a second after
 * they finished. The fake microphone loops one question with long silences around it.
 */
const QUESTION = 'where is my order';
/** Microphone level (RMS, 0–1) above which the fake microphone is speaking, below which it is silent. */
const SPEAKING_RMS = 0.02;
const SILENT_RMS = 0.004;

interface TraceEvent {
  type: string;
  at: number;
  turnId?: number;
  [field: string]: unknown;
}

let served: Awaited<ReturnType<typeof servedExample>>;

describe.skipIf(!existsSync(CHROMIUM))('push-to-talk in Chromium', () => {
  beforeAll(async () => {
    served = await servedExample('support-agent', { microphoneWav: fakeMicrophoneWav(QUESTION, 1, 6) });
  });

  afterAll(async () => {
    await served?.close();
  });

  it('a tap in silence is no turn; a late release ends the question once, and the answer waits for it', async () => {
    const { page, context, errors } = await openPage(served.browser, served.url, { query: '?avatar=2d' });
    try {
      await greeted(page);
      // The microphone opens in push-to-talk, so the test can hear where the file is in its loop.
      await page.evaluate(() => window.visemo.page.sdk.startMicrophone('push-to-talk'));
      await speechThenSilence(page, 500);

      // A tap in the silence after the question.
      await page.focus('#talk-button');
      await page.keyboard.down(' ');
      await page.waitForTimeout(400);
      await page.keyboard.up(' ');
      await page.waitForTimeout(2000);
      expect(await speechTurns(page)).toEqual([]);

      // Held from the silence, through the question, until a second after it ended.
      await page.keyboard.down(' ');
      await expect.poll(() => page.getAttribute('#talk-button', 'aria-pressed')).toBe('true');
      await speechThenSilence(page, 1000);
      const releasedAt = await page.evaluate(() => performance.now());
      await page.keyboard.up(' ');

      await expect.poll(() => speechTurns(page), { timeout: 15_000 }).toHaveLength(1);
      const [heard] = await speechTurns(page);
      expect(heard?.text).toBe(QUESTION);
      const answer = await firstEvent(page, (e) => e.type === 'response.text' && e.turnId === heard?.turnId);
      // Nothing was answered while the key was down, however long the pause after the question.
      expect(answer.at).toBeGreaterThan(releasedAt);
      await expect
        .poll(() => page.locator('.entry.agent .text').allTextContents(), { timeout: 15_000 })
        .toContainEqual(expect.stringContaining('order number'));

      // The release sent no second turn: no fragment, no "not understood", nothing cut off.
      await page.waitForTimeout(2500);
      expect(await speechTurns(page)).toHaveLength(1);
      expect(await events(page, (e) => e.type === 'interrupted')).toEqual([]);
      expect(await page.locator('.entry.user:not(.partial) .text').allTextContents()).toEqual([QUESTION]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

async function events(page: Page, match: (e: TraceEvent) => boolean): Promise<TraceEvent[]> {
  const trace = (await page.evaluate(() => window.visemo.trace)) as unknown as TraceEvent[];
  return trace.filter(match);
}

function speechTurns(page: Page): Promise<TraceEvent[]> {
  return events(page, (e) => e.type === 'caption' && e.speaker === 'user' && e.final === true);
}

async function firstEvent(page: Page, match: (e: TraceEvent) => boolean): Promise<TraceEvent> {
  await expect.poll(async () => (await events(page, match)).length, { timeout: 15_000 }).toBeGreaterThan(0);
  return (await events(page, match))[0] as TraceEvent;
}

/** Waits, by the microphone's level, until it has spoken and then been silent for `silentMs`. */
async function speechThenSilence(page: Page, silentMs: number): Promise<void> {
  const since = await page.evaluate(() => performance.now());
  await expect
    .poll(
      async () => {
        const levels = await events(page, (e) => e.type === 'microphone.level' && e.at > since);
        const spoke = levels.findLastIndex((e) => (e.rms as number) > SPEAKING_RMS);
        const lastSound = levels.findLastIndex((e) => (e.rms as number) >= SILENT_RMS);
        const last = levels.at(-1);
        return spoke >= 0 && last !== undefined && last.at - (levels[lastSound] as TraceEvent).at >= silentMs;
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe(true);
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, fakeMicrophoneWav, greeted, openPage, servedExample } from './support/browser-harness.js';

/**
 * Two people at one kiosk microphone (`speech.speakers: detect`): the fake microphone loops a woman's
 * question and a man's, and the captions say which of them spoke.
 */
const FIRST = 'where is my order';
const SECOND = 'what are your opening hours';

let served: Awaited<ReturnType<typeof servedExample>>;

describe.skipIf(!existsSync(CHROMIUM))('speaker captions in Chromium', () => {
  beforeAll(async () => {
    const woman = fakeMicrophoneWav(FIRST, 1, 4, 'slt');
    const man = fakeMicrophoneWav(SECOND, 0, 6, 'rms');
    const both = join(woman, '..', 'two-people.wav');
    execFileSync('sox', [woman, man, both]);
    served = await servedExample('support-agent', { microphoneWav: both, speakers: 'detect' });
  });

  afterAll(async () => {
    await served?.close();
  });

  it('names each spoken turn by its speaker, the first voice again as Speaker 1', async () => {
    const { page, context, errors } = await openPage(served.browser, served.url, { query: '?avatar=2d' });
    try {
      await greeted(page);
      await page.evaluate(() => window.visemo.page.sdk.startMicrophone('hands-free'));
      const heard = () =>
        page.$$eval('.entry.user:not(.partial)', (items) =>
          items.map(
            (li) => `${li.querySelector('.who')?.textContent}: ${li.querySelector('.text')?.textContent}`,
          ),
        );
      await expect.poll(heard, { timeout: 60_000, interval: 500 }).toHaveLength(3);
      expect((await heard()).slice(0, 3)).toEqual([
        `Speaker 1: ${FIRST}`,
        `Speaker 2: ${SECOND}`,
        `Speaker 1: ${FIRST}`,
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRENCH } from '@visemo/core';
import { EspeakSynthesizer } from '@visemo/espeak';
import { spokenForm, writeWav } from '@visemo/speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, greeted, openPage, screenshotPath, servedExample } from './support/browser-harness.js';

/**
 * The French agent in the page: it greets in French with eSpeak's voice, a French question said
 * into the (fake) microphone comes back as its caption, and the answer is in French.
 */
const QUESTION = 'je voudrais suivre ma commande';

let served: Awaited<ReturnType<typeof servedExample>>;

/** A WAV for Chromium's fake microphone: eSpeak's French (Klatt) saying `text`, padded with silence. */
async function frenchMicrophoneWav(text: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'visemo-mic-'));
  const speech = join(dir, 'speech.wav');
  const padded = join(dir, 'mic.wav');
  const voice = new EspeakSynthesizer({ defaultVoice: 'fr', variant: 'klatt4' });
  const { audio } = await voice.synthesize(spokenForm(text, FRENCH));
  writeFileSync(speech, writeWav(audio));
  // Long silence after: Chromium loops the file, and the greeting plays first.
  execFileSync('sox', [speech, padded, 'pad', '1', '12']);
  return padded;
}

describe.skipIf(!existsSync(CHROMIUM))('a French conversation in Chromium', () => {
  beforeAll(async () => {
    served = await servedExample('support-agent-fr', { microphoneWav: await frenchMicrophoneWav(QUESTION) });
  });

  afterAll(async () => {
    await served?.close();
  });

  it('greets, hears and answers in French, with the captions marked as French', async () => {
    const { page, context, errors } = await openPage(served.browser, served.url, { query: '?avatar=2d' });
    try {
      await greeted(page);
      const agentCaptions = () =>
        page.$$eval('.entry.agent .text', (items) => items.map((t) => t.textContent));
      expect((await agentCaptions())[0]).toMatch(/^Bonjour, je suis Camille, de ShopRight/);
      await page.evaluate(() => window.visemo.page.sdk.startMicrophone('hands-free'));
      const heard = () =>
        page.$$eval('.entry.user:not(.partial) .text', (items) => items.map((t) => t.textContent));
      await expect.poll(heard, { timeout: 60_000, interval: 500 }).toContain(QUESTION);
      await expect
        .poll(async () => (await agentCaptions()).join(' '), { timeout: 30_000, interval: 500 })
        .toMatch(/numéro de commande à six chiffres/);
      const languages = await page.$$eval('.entry .text', (items) => [
        ...new Set(items.map((t) => t.getAttribute('lang'))),
      ]);
      expect(languages).toEqual(['fr-FR']);
      await page.screenshot({ path: screenshotPath('french-conversation') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});

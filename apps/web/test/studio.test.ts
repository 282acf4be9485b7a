import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEmbeddedRuntime } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOnce,
  CHROMIUM,
  launchChromium,
  screenshotPath,
  startServer,
} from './support/browser-harness.js';

/** The studio's animation previewer in a real browser, on the embedded voice. */

const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');
let built: Awaited<ReturnType<typeof buildOnce>>;
let server: { app: FastifyInstance; url: string };
let browser: Browser;

interface StudioTrack {
  durationMs: number;
  visemes: { viseme: string; startMs: number; endMs: number }[];
  words: { word: string }[];
}

async function openStudio(): Promise<Page> {
  const page = await (
    await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 860 } })
  ).newPage();
  await page.goto(`${server.url}/studio/?avatar=2d`);
  await expect.poll(() => page.locator('#voice option').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  return page;
}

async function previewed(page: Page): Promise<StudioTrack> {
  await page.click('#preview-button');
  await expect.poll(() => page.textContent('#studio-status'), { timeout: 20_000 }).toMatch(/mouth shapes/);
  return (await page.evaluate(
    () => (window as unknown as { studio: { track: unknown } }).studio.track,
  )) as StudioTrack;
}

async function scrubTo(page: Page, ms: number): Promise<void> {
  await page.locator('#position').fill(String(ms));
}

/** The weight of one mouth shape on the studio's face now. */
function mouth(page: Page, viseme: string): Promise<number> {
  return page.evaluate(
    (name) =>
      (
        window as unknown as { studio: { avatar: { visemeWeights(): Record<string, number> } } }
      ).studio.avatar.visemeWeights()[name] ?? 0,
    viseme,
  );
}

describe.skipIf(!existsSync(CHROMIUM))('studio in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    const { runtime } = await createEmbeddedRuntime(SUPPORT_AGENT, { providers: false });
    server = await startServer(runtime, built.outDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    built?.cleanup();
  });

  it('previews a sentence: the track over the waveform, and the face follows a scrub', async () => {
    const page = await openStudio();
    expect(await page.inputValue('#voice')).toBe('slt');
    await page.selectOption('#voice', 'awb');
    const track = await previewed(page);
    expect(track.words.map((w) => w.word)).toContain('parcel');
    // Scrub to the middle of the first open vowel: the face's mouth shows it.
    const vowel = track.visemes.find((v) => v.viseme === 'aa' || v.viseme === 'E' || v.viseme === 'oh');
    expect(vowel).toBeDefined();
    const at = Math.round(((vowel?.startMs ?? 0) + (vowel?.endMs ?? 0)) / 2);
    const shape = vowel?.viseme ?? 'aa';
    await scrubTo(page, at);
    await expect.poll(() => mouth(page, shape)).toBeGreaterThan(0.3);
    expect(await page.textContent('#position-text')).toContain(shape);
    await scrubTo(page, 0);
    await expect.poll(() => mouth(page, shape)).toBeLessThan(0.1);
    await scrubTo(page, at);
    await expect.poll(() => mouth(page, shape)).toBeGreaterThan(0.3);
    await page.screenshot({ path: screenshotPath('studio-previewer') });
    await page.context().close();
  });

  it('plays at half speed: the track’s clock runs at half the audio clock’s rate', async () => {
    const page = await openStudio();
    await previewed(page);
    await page.click('#play-slow');
    const sample = () =>
      page.evaluate(() => {
        const { player } = (
          window as unknown as { studio: { player: { positionMs: number; audioTime: number } } }
        ).studio;
        return { position: player.positionMs, audio: player.audioTime };
      });
    const first = await sample();
    await page.waitForTimeout(500);
    const second = await sample();
    expect(second.audio).toBeGreaterThan(first.audio);
    expect((second.position - first.position) / ((second.audio - first.audio) * 1000)).toBeCloseTo(0.5, 2);
    await page.context().close();
  });

  it('exports the track as Azure viseme events and Polly speech marks', async () => {
    const page = await openStudio();
    const track = await previewed(page);
    const [azure] = await Promise.all([page.waitForEvent('download'), page.click('#export-azure')]);
    const events = JSON.parse(readFileSync((await azure.path()) as string, 'utf8')) as {
      audioOffset: number;
      visemeId: number;
    }[];
    expect(events[0]).toEqual({ audioOffset: 0, visemeId: 0 });
    expect(events.at(-1)?.audioOffset).toBeLessThan(track.durationMs * 10_000);
    expect(events.every((e) => e.visemeId >= 0 && e.visemeId <= 21)).toBe(true);
    const [polly] = await Promise.all([page.waitForEvent('download'), page.click('#export-polly')]);
    const marks = readFileSync((await polly.path()) as string, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; value: string });
    expect(marks.filter((m) => m.type === 'word').map((m) => m.value)).toEqual(
      track.words.map((w) => w.word),
    );
    await page.context().close();
  });

  it('says what is wrong with a recording that is not a WAV', async () => {
    const page = await openStudio();
    await page.setInputFiles('#recording', {
      name: 'notes.wav',
      mimeType: 'audio/wav',
      buffer: Buffer.from('not audio'),
    });
    await page.click('#preview-button');
    await expect
      .poll(() => page.textContent('#studio-status'), { timeout: 10_000 })
      .toMatch(/not a WAV file/);
    expect(await page.getAttribute('#studio-status', 'class')).toContain('error');
    await page.context().close();
  });
});

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmbeddedRuntime } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOnce,
  CHROMIUM,
  fakeMicrophoneWav,
  launchChromium,
  openPage,
  screenshotPath,
  startServer,
} from './support/browser-harness.js';
import { triangleGlb } from './support/glb.js';

/** What the page records for the tests (see `record`). */
interface Recorded {
  type: string;
  turnId?: number;
  at: number;
  heard: number;
  [field: string]: unknown;
}
interface MouthSample {
  heard: number;
  mouth: number;
}

/** The example agent the server runs, on its embedded providers (Flite, grammar ASR, trained NLU). */
const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');
/** What the fake microphone says (Flite's voice, from a WAV made in the test). */
const HEARD = 'where is my order';
let built: Awaited<ReturnType<typeof buildOnce>>;
let server: { app: FastifyInstance; url: string };
let browser: Browser;

describe.skipIf(!existsSync(CHROMIUM))('web app in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    const { runtime } = await createEmbeddedRuntime(SUPPORT_AGENT);
    server = await startServer(runtime, built.outDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    built?.cleanup();
  });

  describe('with the default fake microphone', () => {
    it('answers a typed question: captions follow the audio, the mouth moves while it plays and rests after', async () => {
      const { page, errors, context } = await openPage(browser, server.url, { query: '?probe=sync' });
      await online(page);
      // WebGL is software-rendered here: the page picks the SVG face (same morph channels as the 3D one).
      await expect.poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
      await record(page);
      await expect.poll(() => agentCaptions(page), { timeout: 10_000 }).not.toHaveLength(0);
      await page.fill('#message', 'How long does delivery take?');
      await page.press('#message', 'Enter');
      const answer = await endOfPlayback(page, 1);
      expect(await agentCaptions(page)).toContainEqual(expect.stringContaining('delivery takes'));
      await page.screenshot({ path: screenshotPath('conversation-desktop') });

      const events = await recorded(page);
      const start = events.find((e) => e.type === 'playback.start' && e.turnId === answer.turnId) as Recorded;
      expect(start).toBeDefined();
      // Each sentence's caption appears when its audio starts, not when its text arrives (earlier).
      const captions = events.filter(
        (e) => e.type === 'caption' && e.speaker === 'agent' && e.turnId === answer.turnId,
      );
      const firstText = events.find(
        (e) => e.type === 'response.text' && e.turnId === answer.turnId,
      ) as Recorded;
      expect(captions.length).toBeGreaterThan(0);
      expect((captions[0] as Recorded).at).toBeGreaterThan(firstText.at);
      expect((captions[0] as Recorded).at).toBeGreaterThanOrEqual((start.atPerfMs as number) - 2);

      // The mouth, sampled every frame on the heard audio clock.
      await page.waitForTimeout(600);
      const mouth = await mouthSamples(page);
      const during = mouth.filter((s) => s.heard > start.heard + 0.2 && s.heard < answer.heard - 0.2);
      const after = mouth.filter((s) => s.heard > answer.heard + 0.3);
      expect(during.length).toBeGreaterThan(10);
      expect(Math.max(...during.map((s) => s.mouth))).toBeGreaterThan(0.5);
      expect(during.filter((s) => s.mouth > 0.05).length / during.length).toBeGreaterThan(0.5);
      expect(after.length).toBeGreaterThan(5);
      expect(Math.max(...after.map((s) => s.mouth))).toBeLessThan(0.01);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('stops speaking at once when interrupted, and tells the server how much was heard', async () => {
      const { page, context } = await openPage(browser, server.url);
      await online(page);
      await record(page);
      // A long knowledge answer.
      await page.fill('#message', 'What is your returns policy?');
      await page.press('#message', 'Enter');
      const start = await waitForEvent(page, (e) => e.type === 'playback.start' && (e.turnId as number) >= 1);
      await page.waitForTimeout(1200);
      await page.waitForSelector('#stop-button:not([hidden])');
      await page.click('#stop-button');
      const end = await waitForEvent(page, (e) => e.type === 'playback.end' && e.turnId === start.turnId);
      expect(end.interrupted).toBe(true);
      // What was heard, from the audio clock: about the time between the start and the click.
      expect(end.playedMs as number).toBeGreaterThan(900);
      expect(end.playedMs as number).toBeLessThan(3000);
      expect(await page.evaluate(() => window.visemo.page.sdk.speaking)).toBe(false);
      await expect.poll(() => page.locator('.entry.agent.interrupted').count()).toBeGreaterThan(0);
      // The server keeps only what was played (asked over the session's own socket).
      type Entry = { turnId: number; role: string; text: string; interrupted?: boolean };
      const agentTurn = async () =>
        ((await page.evaluate(() => window.visemo.page.sdk.requestTranscript())) as Entry[]).find(
          (e) => e.role === 'agent' && e.turnId === start.turnId,
        );
      await expect.poll(agentTurn).toMatchObject({ interrupted: true });
      const full = (await recorded(page))
        .filter((e) => e.type === 'response.text' && e.turnId === start.turnId)
        .map((e) => e.text)
        .join(' ');
      const kept = (await agentTurn())?.text ?? '';
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.split(' ').length).toBeLessThan(full.split(' ').length);
      // The caption shows what the visitor heard: the same words the server kept, not the sentence.
      const caption = await page.locator('.entry.agent.interrupted .text').last().textContent();
      expect(caption).toBe(kept);
      await context.close();
    });

    it('holds a conversation by keyboard alone, with visible focus on every control', async () => {
      const { page, context } = await openPage(browser, server.url);
      await online(page);
      await record(page);
      const order: string[] = [];
      for (let i = 0; i < 14; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const ring = el.classList.contains('switch')
            ? (el.querySelector('.switch-track') as HTMLElement)
            : el;
          const style = getComputedStyle(ring);
          return {
            id: el.id || el.tagName.toLowerCase(),
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          };
        });
        if (!focused) continue;
        expect(focused.outline, `focus ring on ${focused.id}`).toBe(true);
        if (!order.includes(focused.id)) order.push(focused.id);
      }
      for (const id of [
        'talk-button',
        'hands-free',
        'message',
        'send-button',
        'text-only',
        'avatar-choice',
        'summary',
      ]) {
        expect(order).toContain(id);
      }
      await page.screenshot({ path: screenshotPath('keyboard-focus') });

      // Type and send with Enter.
      await page.focus('#message');
      await page.keyboard.type('Do you ship to Austria?');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => agentCaptions(page), { timeout: 15_000 })
        .toContainEqual(expect.stringMatching(/Austria|ship/i));

      // Push-to-talk with the Space bar held while focus is outside the text box.
      await page.focus('#talk-button');
      await page.keyboard.down(' ');
      await expect.poll(() => page.getAttribute('#talk-button', 'aria-pressed')).toBe('true');
      await page.waitForTimeout(1500);
      await page.keyboard.up(' ');
      await expect.poll(() => page.getAttribute('#talk-button', 'aria-pressed')).toBe('false');
      expect(await page.textContent('#talk-label')).toBe('Hold to talk');
      // The default fake microphone plays beeps, not words: the press is a turn only if the VAD took
      // them for speech (push-to-talk.test.ts speaks real words), and the page stays online either way.
      await page.waitForTimeout(1500);
      const heard = (await recorded(page)).find(
        (e) => e.type === 'transcript.final' && e.source === 'speech',
      );
      if (heard) await waitForEvent(page, (e) => e.type === 'response.text' && e.turnId === heard.turnId);
      expect(await page.getAttribute('#status', 'data-status')).toBe('open');

      // The latency details open from the keyboard.
      await page.focus('#latency summary');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#latency-hops dt').count()).toBeGreaterThan(2);
      await context.close();
    });

    it('works as text only: captions at once, no audio', async () => {
      const { page, context } = await openPage(browser, server.url);
      await online(page);
      await page.click('#text-only');
      await expect.poll(() => page.getAttribute('#text-only', 'aria-checked')).toBe('true');
      await expect.poll(() => page.evaluate(() => window.visemo.page.sdk.audioEnabled)).toBe(false);
      await online(page);
      await record(page);
      expect(await page.locator('#voice-controls').isHidden()).toBe(true);
      await page.fill('#message', 'What are your opening hours?');
      await page.click('#send-button');
      await expect
        .poll(() => agentCaptions(page), { timeout: 10_000 })
        .toContainEqual(expect.stringMatching(/\d/));
      // The events of the text-only session: those after its session.started.
      const sessionEvents = async () => {
        const all = await recorded(page);
        const started = all.map((e) => e.type).lastIndexOf('session.started');
        return all.slice(started);
      };
      await expect.poll(async () => (await sessionEvents()).some((e) => e.type === 'turn.end')).toBe(true);
      const types = new Set((await sessionEvents()).map((e) => e.type));
      expect(types.has('response.text')).toBe(true);
      expect(types.has('audio.chunk')).toBe(false);
      expect(types.has('playback.start')).toBe(false);
      await page.screenshot({ path: screenshotPath('text-only') });
      await context.close();
    });

    it('fits a 320 px wide phone screen', async () => {
      const { page, context } = await openPage(browser, server.url, { width: 320, height: 640 });
      await online(page);
      await page.fill('#message', 'How much is shipping?');
      await page.press('#message', 'Enter');
      await expect.poll(() => agentCaptions(page), { timeout: 10_000 }).not.toHaveLength(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      for (const selector of [
        '#talk-button',
        '#message',
        '#send-button',
        '#hands-free',
        '#text-only',
        '#avatar-choice',
      ]) {
        const box = await page.locator(selector).boundingBox();
        expect(box, selector).not.toBeNull();
        expect(
          (box as { x: number; width: number }).x + (box as { width: number }).width,
          selector,
        ).toBeLessThanOrEqual(320);
        // Touch targets of at least 36 px.
        expect((box as { height: number }).height, selector).toBeGreaterThanOrEqual(36);
      }
      await page.screenshot({ path: screenshotPath('phone-320'), fullPage: true });
      await context.close();
    });

    it('keeps text at WCAG AA contrast', async () => {
      const { page, context } = await openPage(browser, server.url);
      await online(page);
      await page.fill('#message', 'hello');
      await page.press('#message', 'Enter');
      await expect.poll(() => userCaptions(page)).toContain('hello');
      const failures = await page.evaluate(contrastFailures);
      expect(failures).toEqual([]);
      await context.close();
    });
  });

  describe('avatar renderers', () => {
    let glbPath: string;
    let noWebGL: Browser;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'visemo-glb-'));
      glbPath = join(dir, 'face.glb');
      writeFileSync(
        glbPath,
        triangleGlb(['viseme_sil', 'viseme_PP', 'viseme_aa', 'viseme_E', 'viseme_oh', 'viseme_SS']),
      );
      noWebGL = await launchChromium({ extraArgs: ['--disable-webgl', '--disable-3d-apis'] });
    });

    afterAll(async () => {
      await noWebGL?.close();
    });

    it('shows the 3D character, then a GLB picked from a file whose viseme morphs follow the audio', async () => {
      // Software WebGL is slow (a few frames a second) but works; a small window keeps it bearable.
      const { page, context, errors } = await openPage(browser, server.url, {
        query: '?avatar=3d',
        width: 480,
        height: 720,
      });
      await online(page);
      await expect
        .poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind), { timeout: 20_000 })
        .toBe('webgl');
      await page.locator('#avatar-frame').screenshot({ path: screenshotPath('avatar-3d') });
      await page.selectOption('#avatar-choice', 'file');
      await page.setInputFiles('#avatar-file', glbPath);
      await expect.poll(() => page.locator('.entry.system').allTextContents()).toContain('Avatar: face.glb');
      expect(await page.inputValue('#avatar-choice')).toBe('file');
      await record(page);
      await page.fill('#message', 'How much is shipping?');
      await page.press('#message', 'Enter');
      const start = await waitForEvent(page, (e) => e.type === 'playback.start' && (e.turnId as number) >= 1);
      const end = await waitForEvent(
        page,
        (e) => e.type === 'playback.end' && e.turnId === start.turnId,
        30_000,
      );
      await page.waitForTimeout(800);
      const mouth = await mouthSamples(page);
      const during = mouth.filter((m) => m.heard > start.heard && m.heard < end.heard);
      const after = mouth.filter((m) => m.heard > end.heard + 0.4);
      expect(Math.max(...during.map((m) => m.mouth))).toBeGreaterThan(0.3);
      expect(after.length).toBeGreaterThan(0);
      expect(Math.max(...after.map((m) => m.mouth))).toBeLessThan(0.01);
      await page.locator('#avatar-frame').screenshot({ path: screenshotPath('avatar-glb') });
      // Back to the built-in character.
      await page.selectOption('#avatar-choice', 'built-in');
      await expect
        .poll(
          () => page.evaluate(() => Object.keys(window.visemo.page.renderer.inner.getMorphWeights()).length),
          { timeout: 20_000 },
        )
        .toBeGreaterThan(20);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('on software WebGL, says a dropped model will be slow and shows it in 3D when asked', async () => {
      const { page, context, errors } = await openPage(browser, server.url, { width: 480, height: 720 });
      await online(page);
      // WebGL runs on SwiftShader here: the page chose the face.
      await expect.poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
      await dropModel(page, glbPath);
      const notice = page.locator('.entry.system', { hasText: 'face.glb needs the 3D view' });
      await expect.poll(() => notice.count()).toBe(1);
      expect(await notice.textContent()).toContain('WebGL runs on the CPU here');
      expect(await notice.textContent()).not.toContain('no WebGL');
      expect(await page.inputValue('#avatar-choice')).toBe('built-in');
      await notice.getByRole('button', { name: 'Show it in 3D anyway' }).click();
      await expect
        .poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind), { timeout: 20_000 })
        .toBe('webgl');
      await expect.poll(() => page.locator('.entry.system').allTextContents()).toContain('Avatar: face.glb');
      expect(await page.inputValue('#avatar-choice')).toBe('file');
      await page.screenshot({ path: screenshotPath('avatar-software-gl-model') });
      // Back to the built-in character: the face chosen for this browser.
      await page.selectOption('#avatar-choice', 'built-in');
      await expect.poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('draws the 2D face where WebGL is missing, and says why a model file cannot be shown', async () => {
      const { page, context } = await openPage(noWebGL, server.url, { query: '?avatar=3d' });
      await online(page);
      await expect.poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
      await dropModel(page, glbPath);
      await expect
        .poll(() => page.locator('.entry.system.error').allTextContents())
        .toContainEqual(expect.stringContaining('face.glb could not be shown'));
      expect(await page.inputValue('#avatar-choice')).toBe('built-in');
      await page.screenshot({ path: screenshotPath('avatar-2d') });
      await context.close();
    });

    it('honours prefers-reduced-motion', async () => {
      const { page, context } = await openPage(browser, server.url, { reducedMotion: true });
      await online(page);
      await expect.poll(() => page.evaluate(() => window.visemo.page.renderer.inner?.kind)).toBe('svg');
      // The avatar was told (no saccades, head sway or breathing), and the page has no transitions.
      expect(await page.evaluate(() => window.visemo.page.renderer.inner.animator.idle.reducedMotion)).toBe(
        true,
      );
      const transition = await page.evaluate(
        () =>
          getComputedStyle(document.querySelector('.switch-track') as Element, '::after').transitionDuration,
      );
      expect(transition).toBe('0s');
      await context.close();
    });
  });

  describe('with a spoken question in the microphone', () => {
    let micBrowser: Browser;

    beforeAll(async () => {
      micBrowser = await launchChromium({ microphoneWav: fakeMicrophoneWav(HEARD, 1, 3) });
    });

    afterAll(async () => {
      await micBrowser?.close();
    });

    it('takes a hands-free spoken turn, interrupting the greeting', async () => {
      const { page, context, errors } = await openPage(micBrowser, server.url);
      await online(page);
      await record(page);
      // Let the greeting start, then turn hands-free on: the microphone file (about 5 s, looped by
      // Chromium from wherever it is) speaks within the greeting (about 9 s) and barges in.
      await waitForEvent(page, (e) => e.type === 'playback.start' && e.turnId === 0);
      await page.click('#hands-free');
      await expect.poll(() => page.getAttribute('#hands-free', 'aria-checked')).toBe('true');
      const interrupted = await waitForEvent(page, (e) => e.type === 'interrupted', 15_000);
      expect(interrupted).toMatchObject({ turnId: 0, reason: 'barge-in' });
      const flushed = await waitForEvent(page, (e) => e.type === 'playback.end' && e.turnId === 0);
      expect(flushed.interrupted).toBe(true);
      // Playback stopped as the event arrived.
      expect(flushed.at - interrupted.at).toBeLessThan(20);
      await expect.poll(() => userCaptions(page), { timeout: 15_000 }).toContain(HEARD);
      await expect
        .poll(() => agentCaptions(page), { timeout: 15_000 })
        .toContainEqual(expect.stringContaining('order number'));
      const levels = (await recorded(page))
        .filter((e) => e.type === 'microphone.level')
        .map((e) => e.rms as number);
      expect(Math.max(...levels)).toBeGreaterThan(0.01);
      await page.screenshot({ path: screenshotPath('hands-free') });
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});

// ---- helpers ------------------------------------------------------------------------------------

declare global {
  interface Window {
    // biome-ignore lint/suspicious/noExplicitAny: the page's debugging handle, typed loosely on purpose.
    visemo: { page: any; probe: any; trace: Recorded[] };
    mouth: MouthSample[];
  }
}

/** Drops a model file on the avatar, like a file from the desktop. */
async function dropModel(page: Page, path: string): Promise<void> {
  await page.evaluate(
    async (bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'face.glb'));
      const frame = document.getElementById('avatar-frame') as HTMLElement;
      frame.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    Array.from(readFileSync(path)),
  );
}

async function online(page: Page): Promise<void> {
  await page.waitForSelector('#status[data-status="open"]', { timeout: 15_000 });
}

/** Records the avatar's mouth every frame. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    if (window.mouth) return;
    window.mouth = [];
    // The mouth as drawn: the renderer's viseme morph channels (viseme_aa, viseme_PP, …) summed.
    const sample = () => {
      const inner = window.visemo.page.renderer.inner;
      const weights = (inner ? inner.getMorphWeights() : {}) as Record<string, number>;
      let mouth = 0;
      for (const [k, v] of Object.entries(weights))
        if (k.startsWith('viseme_') && k !== 'viseme_sil') mouth += v;
      window.mouth.push({ heard: window.visemo.page.sdk.currentTime, mouth });
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

/** The page's event trace (`?trace`): every SDK event since the page loaded. */
async function recorded(page: Page): Promise<Recorded[]> {
  return page.evaluate(() => window.visemo.trace);
}

async function mouthSamples(page: Page): Promise<MouthSample[]> {
  return page.evaluate(() => window.mouth);
}

async function waitForEvent(
  page: Page,
  match: (e: Recorded) => boolean,
  timeout = 15_000,
): Promise<Recorded> {
  let found: Recorded | undefined;
  await expect
    .poll(
      async () => {
        found = (await recorded(page)).find(match);
        return found !== undefined;
      },
      { timeout },
    )
    .toBe(true);
  return found as Recorded;
}

/** The natural end of turn `minTurn` or a later one's playback. */
async function endOfPlayback(page: Page, minTurn: number): Promise<Recorded> {
  return waitForEvent(
    page,
    (e) => e.type === 'playback.end' && (e.turnId as number) >= minTurn && !e.interrupted,
    30_000,
  );
}

function agentCaptions(page: Page): Promise<string[]> {
  return page.locator('.entry.agent .text').allTextContents();
}

function userCaptions(page: Page): Promise<string[]> {
  return page.locator('.entry.user:not(.partial) .text').allTextContents();
}

/** Every visible text whose contrast with its background is under WCAG AA (4.5:1, 3:1 when large). */
function contrastFailures(): string[] {
  const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r as number) + 0.7152 * lin(g as number) + 0.0722 * lin(b as number);
  };
  const background = (el: Element | null): number[] => {
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg.length >= 3 && (bg[3] === undefined || bg[3] > 0.5)) return bg;
    }
    return [255, 255, 255];
  };
  const failures: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent?.trim()) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    // Hidden text, and disabled controls (exempt in WCAG 1.4.3), are not checked.
    if (
      rect.width === 0 ||
      style.visibility === 'hidden' ||
      el.closest('[hidden], .visually-hidden, :disabled')
    )
      continue;
    const fg = luminance(parse(style.color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5))
      failures.push(`${node.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  return failures;
}

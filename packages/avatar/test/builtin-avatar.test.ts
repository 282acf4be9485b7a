import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VisemeCue } from '@visemo/core/visemes-types';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './browser-harness.js';
import { ARTIFACTS, contactSheet, holdPose, shoot } from './screenshots.js';

type Avatar = {
  kind: string;
  scheduleVisemes(cues: VisemeCue[], start: number, speech?: { text?: string }): void;
  setReducedMotion(reduced: boolean): void;
  setVisemeWeights(w: Record<string, number> | null): void;
  setExpression(name: string, intensity?: number, ms?: number): void;
  setState(s: string): void;
  update(now: number, dt: number): void;
  start(): void;
  stop(): void;
  getMorphWeights(): Record<string, number>;
  getFrameRate(): number;
  getFrameCount(): number;
  animator: { idle: { blink(): void } };
};
type Win = { avatar: Avatar; influences(): Record<string, Record<string, number>>; error?: string };

/** "Hi there!" as Flite would time it (ms). */
const HI_THERE: VisemeCue[] = [
  { viseme: 'kk', startMs: 0, endMs: 70 },
  { viseme: 'aa', startMs: 70, endMs: 230 },
  { viseme: 'TH', startMs: 230, endMs: 300 },
  { viseme: 'E', startMs: 300, endMs: 420 },
  { viseme: 'RR', startMs: 420, endMs: 520 },
  { viseme: 'sil', startMs: 520, endMs: 700 },
];

let harness: Harness;
let page: Page;

beforeAll(async () => {
  harness = await startHarness({ 'avatar-page': join(import.meta.dirname, 'pages/avatar-page.ts') });
  page = await harness.open('avatar-page', { width: 640, height: 640 });
  expect(await page.evaluate(() => (window as unknown as Win).error)).toBeUndefined();
});

afterAll(async () => {
  await harness?.close();
});

describe('built-in character (headless Chromium, software WebGL)', () => {
  it('has morph targets for the visemes, expressions and blinks', async () => {
    const r = await page.evaluate(() => {
      const w = window as unknown as Win;
      w.avatar.update(0, 0);
      return {
        kind: w.avatar.kind,
        weights: Object.keys(w.avatar.getMorphWeights()),
        meshes: w.influences(),
      };
    });
    expect(r.kind).toBe('webgl');
    const visemes = ['PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'ih', 'oh', 'ou'];
    expect(r.weights).toEqual(
      expect.arrayContaining([
        ...visemes.map((v) => `viseme_${v}`),
        'eyeBlinkLeft',
        'eyeBlinkRight',
        'mouthSmileLeft',
        'mouthFrownLeft',
        'browInnerUp',
        'browDownLeft',
        'eyeWideLeft',
        'jawOpen',
      ]),
    );
    // The lips carry every viseme; the jaw opens on the head mesh; the lids have blink in-betweens.
    for (const v of visemes) expect(Object.keys(r.meshes.lips ?? {})).toContain(`viseme_${v}`);
    expect(Object.keys(r.meshes.head ?? {})).toContain('viseme_aa');
    expect(Object.keys(r.meshes.eyelids ?? {})).toContain('eyeBlinkLeft@0.333');
  });

  it('lip-syncs scheduled cues on the caller clock, with a smile kept while talking', async () => {
    const r = await page.evaluate((cues) => {
      const w = window as unknown as Win;
      const a = w.avatar;
      a.setExpression('happy', 1, 300);
      // The caller's clock (AudioContext.currentTime in the client) starts this utterance at 40 s.
      a.scheduleVisemes(cues, 40);
      const samples: Record<string, number>[] = [];
      for (let t = 39.9; t < 40.9; t += 1 / 30) {
        a.update(t, 1 / 30);
        samples.push({ t, ...a.getMorphWeights(), lipsAa: w.influences().lips?.viseme_aa ?? 0 });
      }
      return samples;
    }, HI_THERE);
    const at = (t: number) =>
      r.reduce((best, s) => (Math.abs((s.t as number) - t) < Math.abs((best.t as number) - t) ? s : best));
    expect(at(39.92).viseme_aa).toBe(0);
    expect(at(40.15).viseme_aa).toBeGreaterThan(0.85);
    expect(at(40.15).lipsAa).toBeCloseTo(at(40.15).viseme_aa as number, 5);
    expect(at(40.36).viseme_E).toBeGreaterThan(0.7);
    expect(at(40.85).viseme_aa).toBe(0);
    expect(at(40.85).viseme_E).toBe(0);
    // The smile faded in and stays on while the mouth moves.
    expect(at(40.15).mouthSmileLeft).toBeGreaterThan(0.6);
    expect(at(40.85).mouthSmileLeft).toBeGreaterThan(0.6);
  });

  it('shrugs its shoulders as a question ends, and not with reduced motion', async () => {
    const peakShrug = (reduced: boolean) =>
      page.evaluate(
        ({ cues, reduced }) => {
          const w = window as unknown as Win;
          const a = w.avatar;
          a.setVisemeWeights(null);
          a.setReducedMotion(reduced);
          a.scheduleVisemes(cues, 60, { text: 'Hi there?' });
          let peak = 0;
          for (let t = 59.9; t < 61.5; t += 1 / 20) {
            a.update(t, 1 / 20);
            peak = Math.max(peak, w.influences().torso?.shoulderShrug ?? 0);
          }
          a.setReducedMotion(false);
          return peak;
        },
        { cues: HI_THERE, reduced },
      );
    // Breathing alone lifts the shoulders by at most 0.1.
    expect(await peakShrug(false)).toBeGreaterThan(0.8);
    expect(await peakShrug(true)).toBeLessThan(0.11);
  });

  it('draws distinct mouth shapes and expressions (screenshots in artifacts/avatar)', async () => {
    const mouth = { x: 240, y: 300, width: 160, height: 110 };
    const pose = async (
      name: string,
      visemes: Record<string, number> | null,
      expression = 'neutral',
      blink = false,
    ) => {
      await holdPose(page, visemes, expression, blink);
      await shoot(page, name);
      return shoot(page, `${name}-mouth`, mouth);
    };
    const rest = await pose('builtin-rest', { sil: 1 });
    const aa = await pose('builtin-aa', { aa: 1 });
    const ou = await pose('builtin-ou', { ou: 1 });
    const pp = await pose('builtin-PP', { PP: 1 });
    await pose('builtin-FF', { FF: 1 });
    await pose('builtin-E', { E: 1 });
    await pose('builtin-happy-talking', { aa: 0.7 }, 'happy');
    await pose('builtin-sad', { sil: 1 }, 'sad');
    await pose('builtin-surprised', { sil: 1 }, 'surprised');
    await pose('builtin-angry', { sil: 1 }, 'angry');
    await pose('builtin-concerned', { sil: 1 }, 'concerned');
    await pose('builtin-blink', { sil: 1 }, 'neutral', true);
    await page.evaluate(() => (window as unknown as Win).avatar.update(100, 0.3));
    expect(aa.equals(rest)).toBe(false);
    expect(ou.equals(aa)).toBe(false);
    expect(pp.equals(ou)).toBe(false);
    await contactSheet(
      harness.browser,
      [
        'builtin-rest',
        'builtin-aa',
        'builtin-ou',
        'builtin-PP',
        'builtin-FF',
        'builtin-E',
        'builtin-happy-talking',
        'builtin-sad',
        'builtin-surprised',
        'builtin-angry',
        'builtin-concerned',
        'builtin-blink',
      ],
      'builtin-sheet',
    );
  });

  it('runs its own frame loop and counts frames per second', async () => {
    const r = await page.evaluate(async () => {
      const a = (window as unknown as Win).avatar;
      a.setVisemeWeights(null);
      a.setState('listening');
      const before = a.getFrameCount();
      a.start();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      a.stop();
      return { frames: a.getFrameCount() - before, fps: a.getFrameRate() };
    });
    expect(r.frames).toBeGreaterThan(0);
    // Frame rate is recorded, not asserted: it depends on the machine's load.
    await writeFile(join(ARTIFACTS, 'builtin-fps.json'), JSON.stringify({ size: '640x640', ...r }, null, 2));
  });
});

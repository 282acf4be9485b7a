import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './browser-harness.js';
import { ARKIT_NAMES, makeGlb, OCULUS_NAMES, VRM_NAMES } from './glb-fixtures.js';

type Win = {
  avatar: {
    scheduleVisemes(cues: unknown[], start: number): void;
    update(now: number, dt: number): void;
    getMorphWeights(): Record<string, number>;
  };
  influences(): Record<string, number>;
  modelInfo(): { kind: string; vocabulary: Record<string, string>; channels: string[] };
  error?: string;
};

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(
    { 'model-page': join(import.meta.dirname, 'pages/model-page.ts') },
    {
      files: {
        'oculus.glb': makeGlb({ morphNames: OCULUS_NAMES }),
        'arkit.glb': makeGlb({ morphNames: ARKIT_NAMES }),
        'face-v1.vrm': makeGlb({ morphNames: VRM_NAMES, vrm: '1' }),
        'face-v0.vrm': makeGlb({ morphNames: VRM_NAMES, vrm: '0' }),
      },
    },
  );
});

afterAll(async () => {
  await harness?.close();
});

async function open(model: string): Promise<Page> {
  const page = await harness.open('model-page', { width: 320, height: 320 }, `model=${model}`);
  const error = await page.evaluate(() => (window as unknown as Win).error);
  expect(error).toBeUndefined();
  return page;
}

/**
 * Schedules "aa" from 0.1 s to 0.4 s after clock time 10 and samples the model's morph influences
 * at rest, in the middle of the cue and after it.
 */
async function speak(page: Page) {
  return page.evaluate(() => {
    const win = window as unknown as Win;
    win.avatar.scheduleVisemes(
      [
        { viseme: 'aa', startMs: 100, endMs: 400 },
        { viseme: 'sil', startMs: 400, endMs: 600 },
      ],
      10,
    );
    win.avatar.update(9.5, 1 / 60);
    const before = win.influences();
    win.avatar.update(10.25, 1 / 60);
    const during = win.influences();
    const applied = win.avatar.getMorphWeights();
    win.avatar.update(11, 1 / 60);
    const after = win.influences();
    return { before, during, after, applied, info: win.modelInfo() };
  });
}

describe('model loaders (headless Chromium)', () => {
  it('drives Oculus viseme morphs of a glTF (Ready Player Me naming)', async () => {
    const page = await open('oculus.glb');
    const r = await speak(page);
    expect(r.info.kind).toBe('gltf');
    expect(r.info.vocabulary).toEqual({ visemes: 'oculus', expressions: 'arkit', blink: 'arkit' });
    expect(r.before.viseme_aa).toBe(0);
    expect(r.during.viseme_aa).toBeGreaterThan(0.9);
    expect(r.during.viseme_U).toBe(0);
    expect(r.after.viseme_aa).toBe(0);
    await page.close();
  });

  it('drives ARKit blendshapes of a glTF without viseme morphs', async () => {
    const page = await open('arkit.glb');
    const r = await speak(page);
    expect(r.info.vocabulary.visemes).toBe('arkit');
    expect(r.before.jawOpen).toBe(0);
    expect(r.during.jawOpen).toBeGreaterThan(0.4);
    expect(r.during.mouthPucker).toBe(0);
    expect(r.after.jawOpen).toBe(0);
    await page.close();
  });

  for (const version of ['1', '0'] as const) {
    it(`drives the "aa" expression of a VRM ${version === '1' ? '1.0' : '0.x'}`, async () => {
      const page = await open(`face-v${version}.vrm`);
      const r = await speak(page);
      expect(r.info.kind).toBe('vrm');
      expect(r.info.vocabulary.visemes).toBe('vrm');
      expect(r.info.channels).toEqual(
        expect.arrayContaining(['aa', 'ih', 'ou', 'ee', 'oh', 'blink', 'happy']),
      );
      expect(r.applied.aa).toBeGreaterThan(0.9);
      expect(r.before.aa).toBe(0);
      // The VRM expression reaches the mesh's morph target named "aa".
      expect(r.during.aa).toBeGreaterThan(0.9);
      expect(r.during.ou).toBe(0);
      expect(r.after.aa).toBe(0);
      await page.close();
    });
  }

  it('drives VRM blink and expressions from idle life and setExpression', async () => {
    const page = await open('face-v1.vrm');
    const r = await page.evaluate(() => {
      const win = window as unknown as Win & {
        avatar: {
          setExpression(n: string, i: number, t: number): void;
          animator: { idle: { blink(): void } };
        };
      };
      win.avatar.setExpression('happy', 1, 0);
      win.avatar.animator.idle.blink();
      win.avatar.update(0, 0.09);
      return win.influences();
    });
    expect(r.happy).toBeGreaterThan(0.9);
    expect(r.blink).toBeGreaterThan(0.9);
    await page.close();
  });
});

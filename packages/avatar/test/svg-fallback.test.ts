import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, type Harness, startHarness } from './browser-harness.js';
import { contactSheet, holdPose, shoot } from './screenshots.js';

type Win = {
  avatar: {
    kind: string;
    scheduleVisemes(cues: unknown[], start: number): void;
    setVisemeWeights(w: Record<string, number> | null): void;
    setExpression(name: string, intensity?: number, ms?: number): void;
    update(now: number, dt: number): void;
    getMorphWeights(): Record<string, number>;
    animator: { idle: { blink(): void } };
  };
  error?: string;
};

let harness: Harness;
let page: Page;

beforeAll(async () => {
  // WebGL switched off, as on browsers where it is blocklisted or disabled by policy.
  harness = await startHarness(
    { 'avatar-page': join(import.meta.dirname, 'pages/avatar-page.ts') },
    {
      args: [
        ...CHROMIUM_ARGS.filter((a) => !a.includes('swiftshader')),
        '--disable-webgl',
        '--disable-3d-apis',
      ],
    },
  );
  page = await harness.open('avatar-page', { width: 640, height: 640 });
  expect(await page.evaluate(() => (window as unknown as Win).error)).toBeUndefined();
});

afterAll(async () => {
  await harness?.close();
});

describe('SVG fallback (WebGL disabled)', () => {
  it('is chosen automatically when WebGL is unavailable', async () => {
    const r = await page.evaluate(() => ({
      kind: (window as unknown as Win).avatar.kind,
      svg: document.querySelectorAll('#app svg').length,
      canvas: document.querySelectorAll('#app canvas').length,
    }));
    expect(r).toEqual({ kind: 'svg', svg: 1, canvas: 0 });
  });

  it('lip-syncs scheduled cues and blinks', async () => {
    const r = await page.evaluate(() => {
      const a = (window as unknown as Win).avatar;
      a.scheduleVisemes(
        [
          { viseme: 'ou', startMs: 0, endMs: 200 },
          { viseme: 'aa', startMs: 200, endMs: 450 },
        ],
        5,
      );
      const path = () => document.querySelector('#app svg path[fill="#3a1015"]')?.getAttribute('d') ?? '';
      a.update(4.8, 1 / 60);
      const rest = { w: a.getMorphWeights(), d: path() };
      a.update(5.1, 1 / 60);
      const ou = { w: a.getMorphWeights(), d: path() };
      a.update(5.33, 1 / 60);
      const aa = { w: a.getMorphWeights(), d: path() };
      a.animator.idle.blink();
      a.update(6, 0.09);
      const blink = a.getMorphWeights();
      return { rest, ou, aa, blink };
    });
    expect(r.rest.w.viseme_aa).toBe(0);
    expect(r.ou.w.viseme_ou).toBeGreaterThan(0.9);
    expect(r.aa.w.viseme_aa).toBeGreaterThan(0.9);
    expect(new Set([r.rest.d, r.ou.d, r.aa.d]).size).toBe(3);
    expect(r.blink.eyeBlinkLeft).toBe(1);
  });

  it('draws the character with mouth shapes (screenshots in artifacts/avatar)', async () => {
    const pose = async (
      name: string,
      visemes: Record<string, number>,
      expression = 'neutral',
      blink = false,
    ) => {
      await holdPose(page, visemes, expression, blink);
      return shoot(page, name);
    };
    const rest = await pose('svg-rest', { sil: 1 });
    const aa = await pose('svg-aa', { aa: 1 });
    await pose('svg-ou', { ou: 1 });
    await pose('svg-E', { E: 1 });
    await pose('svg-happy-talking', { aa: 0.7 }, 'happy');
    await pose('svg-sad', { sil: 1 }, 'sad');
    await pose('svg-surprised', { sil: 1 }, 'surprised');
    await pose('svg-blink', { sil: 1 }, 'neutral', true);
    expect(aa.equals(rest)).toBe(false);
    await contactSheet(
      harness.browser,
      ['svg-rest', 'svg-aa', 'svg-ou', 'svg-E', 'svg-happy-talking', 'svg-sad', 'svg-surprised', 'svg-blink'],
      'svg-sheet',
    );
  });

  it('draws each agent’s look, several faces on one page each in its own colours', async () => {
    const faces = await page.evaluate(async () => {
      const make = (window as unknown as { createAvatar: (host: HTMLElement, o: object) => Promise<unknown> })
        .createAvatar;
      const out: {
        character: string | null;
        skinFill: string;
        skin: string[];
        shirt: string | null;
        hairBack: string | null;
      }[] = [];
      for (const look of [
        { character: 'maya' },
        { character: 'theo', skin: '#7a4e33', clothes: '#6b2d5c' },
      ]) {
        const host = document.createElement('div');
        host.style.cssText = 'width:200px;height:200px';
        document.body.append(host);
        await make(host, { renderer: 'svg', look, autoStart: false });
        const svg = host.querySelector('svg') as SVGSVGElement;
        const skinFill = svg.querySelector('path[fill^="url(#"][fill$="-skin)"]')?.getAttribute('fill') ?? '';
        // The gradient the head is painted with must be this face's own.
        const gradient = svg.querySelector(skinFill.slice(4, -1));
        out.push({
          character: svg.getAttribute('data-character'),
          skinFill,
          skin: [...(gradient?.querySelectorAll('stop') ?? [])].map(
            (s) => s.getAttribute('stop-color') ?? '',
          ),
          // The shoulders are the first group: the shirt is its first path.
          shirt: svg.querySelector(':scope > g > path')?.getAttribute('fill') ?? null,
          hairBack: svg.querySelector('path[fill$="-hair)"]')?.getAttribute('d') ?? null,
        });
      }
      return out;
    });
    const [maya, theo] = faces as [(typeof faces)[0], (typeof faces)[0]];
    expect([maya.character, theo.character]).toEqual(['maya', 'theo']);
    // Ids are the document's: a shared one would paint the second face with the first's gradient.
    expect(theo.skinFill).not.toBe(maya.skinFill);
    expect(theo.skin[1]).not.toBe(maya.skin[1]);
    expect(theo.skin).toHaveLength(3);
    expect(theo.shirt).toBe('#6b2d5c');
    expect(theo.hairBack).not.toBe(maya.hairBack);
  });
});

import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './browser-harness.js';
import { contactSheet, holdPose, shoot } from './screenshots.js';

/** The pictures of both looks in the docs are made here: docs/character-maya.png, docs/character-theo.png. */
const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');

type Win = {
  avatar: {
    setState(s: string): void;
    setReducedMotion(reduced: boolean): void;
    update(now: number, dt: number): void;
    element: HTMLCanvasElement;
  };
  error?: string;
};

interface Pose {
  name: string;
  visemes: Record<string, number>;
  expression: string;
  state?: string;
}

const POSES: Pose[] = [
  { name: 'neutral', visemes: { sil: 1 }, expression: 'neutral' },
  { name: 'happy', visemes: { sil: 1 }, expression: 'happy' },
  { name: 'concerned', visemes: { sil: 1 }, expression: 'concerned' },
  { name: 'surprised', visemes: { sil: 1 }, expression: 'surprised' },
  { name: 'thinking', visemes: { sil: 1 }, expression: 'neutral', state: 'thinking' },
  { name: 'talking, happy', visemes: { aa: 0.8 }, expression: 'happy' },
];

/** The face's part of the 480×480 frame (CSS pixels). */
const FACE = { x: 150, y: 60, width: 180, height: 250 };

/** Mean absolute difference per channel (0..255) between the face region now and in `reference`. */
async function faceDifference(
  page: Page,
  reference: number[] | null,
): Promise<{ pixels: number[]; diff: number }> {
  return page.evaluate(
    ({ face, reference }) => {
      const a = (window as unknown as Win).avatar;
      // Drawn in the same task as the render: the drawing buffer is not preserved across tasks.
      a.update(100, 0);
      const canvas = document.createElement('canvas');
      canvas.width = face.width;
      canvas.height = face.height;
      const g = canvas.getContext('2d') as CanvasRenderingContext2D;
      const scale = a.element.width / a.element.clientWidth;
      g.drawImage(
        a.element,
        face.x * scale,
        face.y * scale,
        face.width * scale,
        face.height * scale,
        0,
        0,
        face.width,
        face.height,
      );
      const data = Array.from(g.getImageData(0, 0, face.width, face.height).data);
      let sum = 0;
      if (reference)
        for (let k = 0; k < data.length; k++) sum += Math.abs((data[k] as number) - (reference[k] as number));
      return { pixels: data, diff: reference ? sum / data.length : 0 };
    },
    { face: FACE, reference },
  );
}

for (const character of ['maya', 'theo'] as const) {
  describe(`the ${character} look, in portraits (headless Chromium, software WebGL)`, () => {
    let harness: Harness;
    let page: Page;

    beforeAll(async () => {
      harness = await startHarness({ 'avatar-page': join(import.meta.dirname, 'pages/avatar-page.ts') });
      page = await harness.open(
        'avatar-page',
        { width: 480, height: 480 },
        `quality=high&reducedMotion=1&character=${character}`,
      );
      expect(await page.evaluate(() => (window as unknown as Win).error)).toBeUndefined();
    });

    afterAll(async () => {
      await harness?.close();
    });

    it('shows each expression visibly different from the neutral face, side by side in the docs', async () => {
      const names: string[] = [];
      let neutral: number[] | null = null;
      const differences: Record<string, number> = {};
      // The neutral face again at the end: how much idle motion alone changes the picture.
      for (const pose of [...POSES, { ...(POSES[0] as Pose), name: 'neutral again' }]) {
        if (pose.state) {
          await page.evaluate((state) => {
            const a = (window as unknown as Win).avatar;
            // Thinking is a gaze and a head tilt: idle life's motion, held still otherwise.
            a.setReducedMotion(false);
            a.setState(state);
            // Let the gaze and head settle into the state (idle time advances only through update).
            for (let k = 0; k < 6; k++) a.update(100, 0.25);
          }, pose.state);
        }
        await holdPose(page, pose.visemes, pose.expression);
        const { pixels, diff } = await faceDifference(page, neutral);
        if (!neutral) neutral = pixels;
        else differences[pose.name] = diff;
        if (pose.state)
          await page.evaluate(() => {
            const a = (window as unknown as Win).avatar;
            a.setState('idle');
            a.setReducedMotion(true);
          });
        if (pose.name === 'neutral again') break;
        const name = `portrait-${character}-${pose.name.replace(/[^a-z]+/g, '-')}`;
        await shoot(page, name);
        names.push(name);
      }
      await contactSheet(harness.browser, names, join(DOCS, `character-${character}.png`), {
        labels: POSES.map((p) => p.name),
        columns: 3,
      });
      // A change a person sees at a glance moves many face pixels: several times what idle motion does.
      const drift = differences['neutral again'] as number;
      for (const pose of POSES.slice(1)) {
        expect(differences[pose.name], pose.name).toBeGreaterThan(1.5);
        expect(differences[pose.name], pose.name).toBeGreaterThan(drift * 2);
      }
    });
  });
}

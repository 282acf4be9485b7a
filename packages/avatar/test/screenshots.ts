import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

/** Screenshots go to artifacts/avatar/ at the repository root (git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'artifacts', 'avatar');

export async function shoot(
  page: Page,
  name: string,
  clip?: { x: number; y: number; width: number; height: number },
) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  return page.screenshot({ path, ...(clip ? { clip } : {}) });
}

/**
 * One image with several screenshots side by side, labelled, for looking at them at once; `out` is
 * a name in ARTIFACTS or an absolute path ending in `.png`.
 */
export async function contactSheet(
  browser: Browser,
  names: string[],
  out: string,
  options: { labels?: string[]; columns?: number } = {},
): Promise<void> {
  const images = await Promise.all(
    names.map(async (n) => (await readFile(join(ARTIFACTS, `${n}.png`))).toString('base64')),
  );
  const cols = Math.min(options.columns ?? 4, names.length);
  const page = await browser.newPage({
    viewport: { width: cols * 320, height: Math.ceil(names.length / cols) * 340 },
  });
  await page.setContent(
    `<body style="margin:0;display:flex;flex-wrap:wrap;font:14px sans-serif">${images
      .map(
        (b, i) =>
          `<div style="width:320px;height:340px"><img src="data:image/png;base64,${b}" width="320" height="320"><div>${options.labels?.[i] ?? names[i]}</div></div>`,
      )
      .join('')}</body>`,
  );
  await page.screenshot({ path: out.endsWith('.png') ? out : join(ARTIFACTS, `${out}.png`) });
  await page.close();
}

/** What `holdPose` needs of the page's `window.avatar`. */
interface PosableAvatar {
  setVisemeWeights(weights: Record<string, number> | null): void;
  setExpression(name: string, intensity?: number, ms?: number): void;
  update(now: number, dt: number): void;
  animator: { idle: { blink(): void } };
}

/**
 * Holds the page's avatar still in a mouth shape and expression (mid-blink with `blink`), for a
 * screenshot.
 */
export async function holdPose(
  page: Page,
  visemes: Record<string, number> | null,
  expression = 'neutral',
  blink = false,
): Promise<void> {
  await page.evaluate(
    ({ visemes, expression, blink }) => {
      const a = (window as unknown as { avatar: PosableAvatar }).avatar;
      a.setVisemeWeights(visemes);
      a.setExpression(expression, 1, 0);
      if (blink) a.animator.idle.blink();
      a.update(100, blink ? 0.09 : 0.3);
    },
    { visemes, expression, blink },
  );
}

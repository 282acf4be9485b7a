// Renders the built-in avatar in a few poses into artifacts/avatar/preview-*.png (for looking at it).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness } from '../test/browser-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: a scratch script poking at the page's globals.
type Any = any;

const out = join(process.cwd(), 'artifacts', 'avatar');
await mkdir(out, { recursive: true });
const harness = await startHarness({
  'avatar-page': join(import.meta.dirname, '../test/pages/avatar-page.ts'),
});
try {
  const page = await harness.open('avatar-page', { width: 640, height: 640 });
  const err = await page.evaluate(() => (window as Any).error);
  if (err) throw new Error(err);
  if (process.env.ZOOM) {
    await page.evaluate((z) => {
      const a = (window as Any).avatar;
      const [d, y = '-0.2', x = '0'] = String(z).split(',');
      a.camera.position.set(Number(x), Number(y), Number(d));
      a.camera.lookAt(0, Number(y) - 0.05, 0);
    }, process.env.ZOOM);
  }
  const poses = (process.argv[2] ?? 'rest,aa,ou,E,PP,FF,happy,sad,surprised,angry,blink').split(',');
  for (const pose of poses) {
    await page.evaluate((pose) => {
      const a = (window as Any).avatar;
      a.setVisemeWeights(null);
      a.setExpression('neutral', 1, 0);
      if (['aa', 'ou', 'E', 'PP', 'FF', 'oh', 'ih', 'SS', 'TH', 'CH', 'kk', 'DD', 'nn', 'RR'].includes(pose))
        a.setVisemeWeights({ [pose]: 1 });
      if (['happy', 'sad', 'surprised', 'angry', 'concerned'].includes(pose)) a.setExpression(pose, 1, 0);
      if (pose === 'happytalk') {
        a.setExpression('happy', 1, 0);
        a.setVisemeWeights({ aa: 0.8 });
      }
      if (pose === 'blink') {
        a.setVisemeWeights(null);
      }
      a.update(0, 0.001);
    }, pose);
    if (pose === 'blink') {
      await page.evaluate(() => {
        const a = (window as Any).avatar;
        a.animator.idle.blink();
        a.update(0, 0.09);
      });
    }
    const file = join(out, `preview-${pose}.png`);
    await page.screenshot({ path: file });
    console.log(file);
  }
  // Contact sheet: every pose at half size in one image.
  const { readFile } = await import('node:fs/promises');
  const images = await Promise.all(
    poses.map(async (p) => (await readFile(join(out, `preview-${p}.png`))).toString('base64')),
  );
  const cols = Math.min(4, poses.length);
  const sheet = await harness.browser.newPage({
    viewport: { width: cols * 320, height: Math.ceil(poses.length / cols) * 340 },
  });
  await sheet.setContent(
    `<body style="margin:0;display:flex;flex-wrap:wrap;font:14px sans-serif">${images
      .map(
        (b, i) =>
          `<div style="width:320px;height:340px"><img src="data:image/png;base64,${b}" width="320" height="320"><div>${poses[i]}</div></div>`,
      )
      .join('')}</body>`,
  );
  await sheet.screenshot({ path: join(out, 'preview-sheet.png') });
  const weights = await page.evaluate(() => (window as Any).avatar.getMorphWeights());
  await writeFile(join(out, 'preview-weights.json'), JSON.stringify(weights, null, 2));
} finally {
  await harness.close();
}

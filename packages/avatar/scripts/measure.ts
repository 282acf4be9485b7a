// Prints the avatar's bundle size (minified, gzipped) per loading stage and the built-in
// character's frame rate in headless Chromium with software WebGL at 640×640.
// Run: npm run measure -w @visemo/avatar   (about 30 s)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { startHarness } from '../test/browser-harness.js';

const root = join(import.meta.dirname, '..');

async function bundleSizes() {
  const dir = await mkdtemp(join(tmpdir(), 'visemo-avatar-size-'));
  const entry = join(dir, 'entry.ts');
  await writeFile(
    entry,
    `import { createAvatar } from '${join(root, 'src/index.ts')}';\ncreateAvatar(document.body);\n`,
  );
  const result = await build({
    entryPoints: { entry },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(dir, 'out'),
    metafile: true,
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const sizeOf = async (files: Set<string>) => {
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const bytes = await readFile(join(process.cwd(), f)).catch(() => readFile(f));
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    return { files: files.size, minifiedKiB: +(raw / 1024).toFixed(1), gzipKiB: +(gz / 1024).toFixed(1) };
  };
  const staticClosure = (start: string, seen = new Set<string>()) => {
    if (seen.has(start)) return seen;
    seen.add(start);
    for (const i of (outputs[start] as Metafile['outputs'][string]).imports) {
      if (i.kind === 'import-statement') staticClosure(i.path, seen);
    }
    return seen;
  };
  const entryOut = Object.keys(outputs).find((k) => outputs[k]?.entryPoint?.endsWith('entry.ts')) as string;
  const findDynamic = (pattern: RegExp) => Object.keys(outputs).find((k) => pattern.test(k)) as string;
  const initial = staticClosure(entryOut);
  const webgl = staticClosure(findDynamic(/three-avatar-[^/]*\.js$/));
  const loaders = staticClosure(findDynamic(/loaders-[^/]*\.js$/));
  const vrm = new Set<string>();
  for (const k of Object.keys(outputs)) {
    if (!k.endsWith('.js') || initial.has(k) || webgl.has(k) || loaders.has(k)) continue;
    vrm.add(k);
  }
  const minus = (a: Set<string>, b: Set<string>) => new Set([...a].filter((x) => !b.has(x)));
  const sizes = {
    'createAvatar + SVG fallback (loaded first)': await sizeOf(initial),
    'WebGL renderer + built-in character + three (loaded when WebGL exists)': await sizeOf(
      minus(webgl, initial),
    ),
    'GLTFLoader, three-vrm, model classes (loaded with a VRM/glTF model)': await sizeOf(
      new Set([...minus(minus(loaders, webgl), initial), ...vrm]),
    ),
    'built-in character total (first + WebGL)': await sizeOf(new Set([...initial, ...webgl])),
    everything: await sizeOf(new Set(Object.keys(outputs).filter((k) => k.endsWith('.js')))),
  };
  await rm(dir, { recursive: true, force: true });
  return sizes;
}

async function frameRate(quality: 'high' | 'low', seconds = 5) {
  const harness = await startHarness({ 'avatar-page': join(root, 'test/pages/avatar-page.ts') });
  try {
    const page = await harness.open('avatar-page', { width: 640, height: 640 }, `quality=${quality}`);
    return await page.evaluate(
      async ([ms, q]) => {
        const a = (
          window as unknown as {
            avatar: {
              start(): void;
              stop(): void;
              getFrameRate(): number;
              getFrameCount(): number;
              setState(s: string): void;
            };
          }
        ).avatar;
        a.setState('speaking');
        a.start();
        // Let the first frames (shader compilation) pass before counting.
        await new Promise((r) => setTimeout(r, 1500));
        const before = a.getFrameCount();
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, ms));
        const frames = a.getFrameCount() - before;
        a.stop();
        return {
          quality: q,
          size: '640x640',
          fps: +((frames * 1000) / (performance.now() - t0)).toFixed(2),
          msPerFrame: +((performance.now() - t0) / Math.max(1, frames)).toFixed(1),
          frames,
        };
      },
      [seconds * 1000, quality] as const,
    );
  } finally {
    await harness.close();
  }
}

const sizes = await bundleSizes();
const load = loadavg()[0]?.toFixed(2);
const high = await frameRate('high');
const low = await frameRate('low');
const frameRates = { renderer: 'Chromium, SwiftShader (software GL)', loadAverage1m: load, high, low };
console.log(JSON.stringify({ bundle: sizes, frameRate: frameRates }, null, 2));

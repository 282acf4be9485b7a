#!/usr/bin/env node
// `npm run build`: every workspace's src/*.ts compiled to lib/*.js beside it, file for file, so a
// server runs on plain Node without tsx: `node --conditions=visemo-built apps/cli/lib/main.js serve`.
// The packages' exports send the `visemo-built` condition to lib/ and every other resolver (tsx,
// Vitest, tsc, the browser bundler) to src/, so development needs no build. Types are checked by
// `npm run typecheck`; this only strips them, with the esbuild that tsx and the web build use, so
// built code runs as the sources do. lib/ keeps src/'s depth, so paths made from `import.meta.url`
// (migrations, workers, the web app's sources) resolve as from src/.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The page's code is bundled for the browser by @visemo/web's buildWebApp, from the sources. */
const browserOnly = join('apps', 'web', 'src', 'browser');

async function sources(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (relative(root, path) === browserOnly) continue;
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const { workspaces } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const started = performance.now();
let files = 0;
for (const pattern of workspaces) {
  const parent = join(root, pattern.replace(/\/\*$/, ''));
  for (const name of await readdir(parent)) {
    const dir = join(parent, name);
    const src = join(dir, 'src');
    const entryPoints = await sources(src).catch(() => []);
    if (entryPoints.length === 0) continue;
    const outdir = join(dir, 'lib');
    await rm(outdir, { recursive: true, force: true });
    await build({
      entryPoints,
      outdir,
      outbase: src,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
      // Worker programs sent as source text call require() in their own (CommonJS) thread.
      logOverride: { 'unsupported-require-call': 'silent' },
    });
    files += entryPoints.length;
  }
}
process.stdout.write(`built ${files} modules into */lib in ${Math.round(performance.now() - started)} ms\n`);

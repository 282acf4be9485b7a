import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Metafile, Plugin } from 'esbuild';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const browserDir = join(appDir, 'src', 'browser');

/**
 * Where the built web app lives: serve this folder at `/` (with `index.html` for `/`). Files under
 * `assets/` have content hashes in their names and can be cached forever.
 */
export function webAppRoot(): string {
  return join(appDir, 'dist');
}

export interface BuildWebAppOptions {
  /** Defaults to `webAppRoot()`. */
  outDir?: string;
  /** Default true. */
  minify?: boolean;
  sourcemap?: boolean;
}

export interface BuiltFile {
  /** Path relative to the output folder, with `/` separators. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

export interface WebAppBuild {
  outDir: string;
  files: BuiltFile[];
  /** JavaScript loaded before the page works (entry and its static imports). */
  initialJs: { bytes: number; gzipBytes: number };
  /** All JavaScript, including chunks loaded later (the 3D renderer). */
  totalJs: { bytes: number; gzipBytes: number };
}

/**
 * @visemo/core is free of side effects but does not say so in its package.json, and its index pulls
 * zod and yaml (for agent files) into any bundle that imports one constant from it (~490 KB).
 * Declaring its modules side-effect free lets the bundler keep only what the browser uses.
 */
const coreWithoutSideEffects: Plugin = {
  name: 'visemo-core-side-effect-free',
  setup(b) {
    const coreSrc = `${sep}packages${sep}core${sep}src${sep}`;
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const fromCore = args.importer.includes(coreSrc);
      if (args.path !== '@visemo/core' && !fromCore) return undefined;
      if (fromCore && !args.path.startsWith('.')) return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (result.errors.length > 0) return { errors: result.errors };
      return { path: result.path, sideEffects: false };
    });
  },
};

/** Bundles the page with esbuild into `outDir`: index.html, assets/app-HASH.js, chunks, CSS. */
export async function buildWebApp(options: BuildWebAppOptions = {}): Promise<WebAppBuild> {
  // Imported here, not at the top: a server that only needs webAppRoot() runs without esbuild.
  const { build } = await import('esbuild');
  const outDir = resolve(options.outDir ?? webAppRoot());
  const assets = join(outDir, 'assets');
  await rm(assets, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      app: join(browserDir, 'main.ts'),
      styles: join(browserDir, 'styles.css'),
      studio: join(browserDir, 'studio', 'main.ts'),
      'studio-styles': join(browserDir, 'studio', 'studio.css'),
      debugger: join(browserDir, 'studio', 'debugger-main.ts'),
      'debugger-styles': join(browserDir, 'studio', 'debugger.css'),
    },
    outdir: assets,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    // AudioWorklet, optional chaining, class fields: Chrome/Edge 94+, Safari 15.4+, Firefox 93+.
    target: ['es2022'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ?? false,
    legalComments: 'eof',
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [coreWithoutSideEffects],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entry = (name: string, ext: string) => {
    const path = Object.keys(outputs).find(
      (p) => p.endsWith(ext) && p.split('/').pop()?.startsWith(`${name}-`),
    );
    if (!path) throw new Error(`esbuild produced no ${name}${ext}`);
    return path;
  };
  const script = entry('app', '.js');
  const styles = entry('styles', '.css');
  const toUrl = (path: string) => `/${relative(outDir, resolve(path)).split(sep).join('/')}`;
  const html = (await readFile(join(browserDir, 'index.html'), 'utf8'))
    .replace('%SCRIPT%', toUrl(script))
    .replace('%STYLES%', toUrl(styles));
  await writeFile(join(outDir, 'index.html'), html);
  // The studio for agent builders, at /studio/ on the same server.
  const studioHtml = (await readFile(join(browserDir, 'studio', 'index.html'), 'utf8'))
    .replace('%SCRIPT%', toUrl(entry('studio', '.js')))
    .replace('%STYLES%', toUrl(entry('studio-styles', '.css')));
  await mkdir(join(outDir, 'studio'), { recursive: true });
  await writeFile(join(outDir, 'studio', 'index.html'), studioHtml);
  // Its conversation debugger, at /studio/debugger/.
  const debuggerHtml = (await readFile(join(browserDir, 'studio', 'debugger.html'), 'utf8'))
    .replace('%SCRIPT%', toUrl(entry('debugger', '.js')))
    .replace('%STYLES%', toUrl(entry('debugger-styles', '.css')));
  await mkdir(join(outDir, 'studio', 'debugger'), { recursive: true });
  await writeFile(join(outDir, 'studio', 'debugger', 'index.html'), debuggerHtml);

  const files: BuiltFile[] = [];
  for (const path of [
    join(outDir, 'index.html'),
    join(outDir, 'studio', 'index.html'),
    join(outDir, 'studio', 'debugger', 'index.html'),
    ...Object.keys(outputs).map((p) => resolve(p)),
  ]) {
    const content = await readFile(path);
    files.push({
      path: relative(outDir, path).split(sep).join('/'),
      bytes: (await stat(path)).size,
      gzipBytes: gzipSync(content, { level: 9 }).length,
    });
  }
  const js = files.filter((f) => f.path.endsWith('.js'));
  const initial = new Set(
    staticClosure(outputs, script).map((p) => relative(outDir, resolve(p)).split(sep).join('/')),
  );
  const sum = (list: BuiltFile[]) => ({
    bytes: list.reduce((s, f) => s + f.bytes, 0),
    gzipBytes: list.reduce((s, f) => s + f.gzipBytes, 0),
  });
  return { outDir, files, initialJs: sum(js.filter((f) => initial.has(f.path))), totalJs: sum(js) };
}

/** An output and every chunk it imports statically: what loads before the page runs. */
function staticClosure(outputs: Metafile['outputs'], start: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(start);
  return [...seen];
}

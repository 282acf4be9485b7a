import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Chromium flags for headless runs on machines without a GPU (WebGL runs on SwiftShader). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Harness {
  browser: Browser;
  /** Opens a page that runs the bundled entry `name` inside a `#app` element of the given size. */
  open(name: string, size?: { width: number; height: number }, query?: string): Promise<Page>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.glb': 'model/gltf-binary',
};

/**
 * Bundles test pages with esbuild into a temporary directory, serves them on a loopback port and
 * starts Chromium. `files` are extra bytes served by name (models made by the test).
 */
export async function startHarness(
  entries: Record<string, string>,
  options: { args?: string[]; files?: Record<string, Uint8Array> } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'visemo-avatar-'));
  await build({
    entryPoints: entries,
    bundle: true,
    format: 'esm',
    splitting: true,
    outdir: dir,
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
  });
  const files = options.files ?? {};
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    const file = files[path.slice(1)];
    if (file) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(file);
      return;
    }
    if (path.startsWith('/page/')) {
      const name = path.slice('/page/'.length);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}</style></head>` +
          `<body><div id="app"></div><script type="module" src="/${name}.js"></script></body></html>`,
      );
      return;
    }
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: options.args ?? CHROMIUM_ARGS,
  });
  return {
    browser,
    async open(name, size = { width: 640, height: 640 }, query = '') {
      const page = await browser.newPage({ viewport: size });
      page.on('pageerror', (e) => console.error(`[page ${name}]`, e));
      if (process.env.AVATAR_PAGE_LOG) page.on('console', (m) => console.log(`[page ${name}]`, m.text()));
      await page.goto(`http://127.0.0.1:${port}/page/${name}${query ? `?${query}` : ''}`);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, {
        timeout: 30_000,
      });
      return page;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

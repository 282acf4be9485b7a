/**
 * Measures the web app end to end and prints the figures docs/web.md reports:
 *   - JavaScript shipped (raw and gzip), at first load and in total;
 *   - time from page load to the first sample of the greeting heard;
 *   - lip-sync error on the AudioContext clock (viseme on screen vs its audio), and whether audio
 *     plays where it was scheduled.
 * Run: node --import tsx apps/web/test/measure.ts [--loads 5] [--avatar 2d|3d]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEmbeddedRuntime } from '@visemo/server';
import { buildOnce, launchChromium, openPage, startServer } from './support/browser-harness.js';

const { values } = parseArgs({
  options: { loads: { type: 'string', default: '5' }, avatar: { type: 'string', default: '' } },
});
const loads = Number(values.loads);
const avatarQuery = values.avatar ? `&avatar=${values.avatar}` : '';
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const built = await buildOnce();
console.log('## JavaScript shipped');
for (const f of built.files)
  console.log(`${f.path.padEnd(34)} ${kib(f.bytes).padStart(10)} ${kib(f.gzipBytes).padStart(10)} gzip`);
console.log(`first load: ${kib(built.initialJs.bytes)} (${kib(built.initialJs.gzipBytes)} gzip)`);
console.log(`all:        ${kib(built.totalJs.bytes)} (${kib(built.totalJs.gzipBytes)} gzip)`);
// Loading stages, from the chunks' own import statements: each dynamic import opens a stage that
// brings the chunks it reaches statically and that no earlier stage loaded.
const chunks = new Map(
  built.files.filter((f) => f.path.endsWith('.js')).map((f) => [f.path.split('/').pop() as string, f]),
);
const imports = new Map<string, { statics: string[]; dynamics: string[] }>();
for (const name of chunks.keys()) {
  const text = readFileSync(join(built.outDir, 'assets', name), 'utf8');
  imports.set(name, {
    statics: [...text.matchAll(/(?:from|import)\s*"\.\/(chunk-[A-Z0-9]+\.js)"/g)].map((m) => m[1] as string),
    dynamics: [...text.matchAll(/import\(\s*"\.\/(chunk-[A-Z0-9]+\.js)"\s*\)/g)].map((m) => m[1] as string),
  });
}
const loaded = new Set<string>();
const stage = (roots: string[]) => {
  const reached: string[] = [];
  const visit = (name: string) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    reached.push(name);
    for (const next of imports.get(name)?.statics ?? []) visit(next);
  };
  for (const root of roots) visit(root);
  return reached;
};
const printStage = (label: string, names: string[]) => {
  const bytes = names.reduce((n, c) => n + (chunks.get(c)?.bytes ?? 0), 0);
  const gzip = names.reduce((n, c) => n + (chunks.get(c)?.gzipBytes ?? 0), 0);
  console.log(`${label.padEnd(34)} ${kib(bytes).padStart(10)} ${kib(gzip).padStart(10)} gzip`);
};
const entry = [...chunks.keys()].find((c) => c.startsWith('app-')) as string;
let frontier = stage([entry]);
printStage('stage 1: page + SDK', frontier);
for (let depth = 2; frontier.length > 0; depth++) {
  const reachedNow: string[] = [];
  for (const root of frontier.flatMap((c) => imports.get(c)?.dynamics ?? [])) {
    const names = stage([root]);
    if (names.length === 0) continue;
    printStage(`stage ${depth}: import(${root})`, names);
    reachedNow.push(...names);
  }
  frontier = reachedNow;
}

const { runtime } = await createEmbeddedRuntime(
  resolve(import.meta.dirname, '../../../examples/support-agent'),
);
const server = await startServer(runtime, built.outDir);
const browser = await launchChromium();

interface Timeline {
  domContentLoaded: number;
  sessionStarted: number;
  firstChunk: number;
  firstHeard: number;
}

console.log('\n## Page load → first greeting audio (ms from navigation start)');
const timelines: Timeline[] = [];
for (let i = 0; i < loads; i++) {
  const { page, context } = await openPage(browser, server.url, { query: `?probe=sync${avatarQuery}` });
  await page.waitForFunction(
    'window.visemo.trace.some((e) => e.type === "playback.start" && e.turnId === 0)',
    null,
    {
      timeout: 20_000,
    },
  );
  const t = (await page.evaluate(`(() => {
    const trace = window.visemo.trace;
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      domContentLoaded: nav.domContentLoadedEventEnd,
      sessionStarted: trace.find((e) => e.type === 'session.started').at,
      firstChunk: trace.find((e) => e.type === 'audio.chunk' && e.turnId === 0).at,
      firstHeard: trace.find((e) => e.type === 'playback.start' && e.turnId === 0).atPerfMs,
    };
  })()`)) as Timeline;
  timelines.push(t);
  console.log(
    `load ${i + 1}: DOM ready ${t.domContentLoaded.toFixed(0)}, session ${t.sessionStarted.toFixed(0)}, ` +
      `first chunk ${t.firstChunk.toFixed(0)}, first sample heard ${t.firstHeard.toFixed(0)}`,
  );
  await context.close();
}
console.log(
  `median first greeting sample heard: ${median(timelines.map((t) => t.firstHeard)).toFixed(0)} ms`,
);

console.log('\n## Lip-sync on the AudioContext clock');
const { page, context } = await openPage(browser, server.url, { query: `?probe=sync${avatarQuery}` });
const playedTurns = (n: number) =>
  page.waitForFunction(
    `window.visemo.trace.filter((e) => e.type === "playback.end" && !e.interrupted).length >= ${n}`,
    null,
    { timeout: 60_000 },
  );
await playedTurns(1);
const questions = ['How long does delivery take?', 'What is your returns policy?', 'How much is shipping?'];
const typedLatency: number[] = [];
for (const [i, question] of questions.entries()) {
  await page.fill('#message', question);
  await page.press('#message', 'Enter');
  await playedTurns(i + 2);
  const latency = (await page.evaluate(
    `window.visemo.trace.filter((e) => e.type === "latency").map((e) => e.inputToAudioMs).pop()`,
  )) as number;
  typedLatency.push(latency);
}
await page.waitForTimeout(500);
const report = (await page.evaluate('window.visemo.probe.report()')) as {
  lipSync: Record<string, number>;
  audioOnset: Record<string, number>;
  frameMs: number;
};
const renderer = await page.evaluate('window.visemo.page.renderer.inner.kind');
const clock = await page.evaluate(`(() => {
  const c = window.visemo.page.sdk.audioContext;
  return { sampleRate: c.sampleRate, baseLatency: c.baseLatency, outputLatency: c.outputLatency };
})()`);
console.log(
  `renderer: ${renderer}; frame interval ${report.frameMs.toFixed(1)} ms; context ${JSON.stringify(clock)}`,
);
console.log(`viseme changes on screen vs audio (ms): ${JSON.stringify(report.lipSync)}`);
console.log(`sound onsets at the output vs schedule (ms): ${JSON.stringify(report.audioOnset)}`);
console.log(`typed question → first sample heard (ms): ${typedLatency.join(', ')}`);
await context.close();

await browser.close();
await server.app.close();
built.cleanup();

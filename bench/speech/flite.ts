import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  FLITE_VOICES,
  FliteSynthesizer,
  fliteModule,
  fliteWasmPath,
  resample,
  wasiShimUrl,
} from '@visemo/speech';
import type { BenchRow } from '../table.js';

/**
 * Flite speed on this machine: cold start, time per call, real-time factor per voice, and the
 * resampler. Each timed figure is the median of several runs.
 */

const SHORT = 'Thank you, your order is on its way.'; // 8 words, 2.7 s with slt
const LONG = 'Your order has shipped and should arrive on Monday morning.'; // 3.0–3.5 s by voice

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cold start is measured in a fresh Node process: in this one the module is compiled and its code
 * optimized already. The child runs the bare engine (compile, instantiate, one sentence).
 */
async function coldStart(): Promise<{ compileMs: number; firstCallMs: number }> {
  const wasmPath = fliteWasmPath();
  const script = `
    const fs = require('node:fs');
    (async () => {
      const shim = await import(${JSON.stringify(wasiShimUrl())});
      const t0 = performance.now();
      const module = await WebAssembly.compile(fs.readFileSync(${JSON.stringify(wasmPath)}));
      const t1 = performance.now();
      const input = new shim.File(new TextEncoder().encode(${JSON.stringify(`${SHORT}\n`)}));
      const fds = [new shim.OpenFile(new shim.File([])), new shim.ConsoleStdout(() => {}),
        new shim.ConsoleStdout(() => {}),
        new shim.PreopenDirectory('/w', new Map([['in.txt', input], ['out.wav', new shim.File([])]]))];
      const wasi = new shim.WASI(['flite', '-voice', 'slt', '-psdur', '-f', '/w/in.txt', '-o', '/w/out.wav'], [], fds, { debug: false });
      wasi.start(new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport }));
      const t2 = performance.now();
      process.stdout.write(JSON.stringify({ compileMs: t1 - t0, firstCallMs: t2 - t1 }));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
  return JSON.parse(stdout) as { compileMs: number; firstCallMs: number };
}

export async function benchFlite(): Promise<BenchRow[]> {
  const figures: BenchRow[] = [];
  const colds: { compileMs: number; firstCallMs: number }[] = [];
  for (let i = 0; i < 3; i++) colds.push(await coldStart());
  figures.push({ name: 'flite.cold.compile', value: median(colds.map((c) => c.compileMs)), unit: 'ms' });
  figures.push({ name: 'flite.cold.first_call', value: median(colds.map((c) => c.firstCallMs)), unit: 'ms' });

  // Unless something in this process used Flite before, prepare() here is the synthesizer's real
  // cold start (compile, start the worker, warm-up sentence, spare instances for all voices).
  const synthesizer = new FliteSynthesizer();
  let start = performance.now();
  await synthesizer.prepare(FLITE_VOICES);
  figures.push({ name: 'flite.prepare', value: performance.now() - start, unit: 'ms' });
  await pause(100);
  start = performance.now();
  await synthesizer.synthesize({ text: LONG, voice: 'slt' });
  figures.push({
    name: 'flite.slt.first_long_sentence_after_prepare',
    value: performance.now() - start,
    unit: 'ms',
  });
  const time = async (text: string, voice: string) => {
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let audioMs = 0;
    for (let i = 0; i < 7; i++) {
      await pause(30); // lets the worker make its spare instance, as it does between real requests
      const start = performance.now();
      const cpu = process.cpuUsage(); // all threads: the worker's Flite run and this thread's work
      const result = await synthesizer.synthesize({ text, voice });
      times.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      cpuTimes.push((used.user + used.system) / 1000);
      audioMs = (result.audio.samples.length / result.audio.sampleRate) * 1000;
    }
    return { ms: median(times), cpuMs: median(cpuTimes), audioMs };
  };

  const short = await time(SHORT, 'slt');
  figures.push({ name: 'flite.slt.short_sentence', value: short.ms, unit: 'ms' });
  figures.push({ name: 'flite.slt.short_sentence.cpu', value: short.cpuMs, unit: 'ms' });
  figures.push({ name: 'flite.slt.short_sentence.audio', value: short.audioMs, unit: 'ms' });
  for (const voice of FLITE_VOICES) {
    const long = await time(LONG, voice);
    figures.push({ name: `flite.${voice}.long_sentence`, value: long.ms, unit: 'ms' });
    figures.push({ name: `flite.${voice}.long_sentence.audio`, value: long.audioMs, unit: 'ms' });
    figures.push({ name: `flite.${voice}.long_sentence.cpu`, value: long.cpuMs, unit: 'ms' });
    figures.push({ name: `flite.${voice}.rtf`, value: long.ms / long.audioMs, unit: 'x' });
    figures.push({ name: `flite.${voice}.rtf.cpu`, value: long.cpuMs / long.audioMs, unit: 'x' });
  }
  await synthesizer.close();

  // The bare engine on this thread: instantiation, and one run of the long sentence with nothing
  // around it. A call's time minus the run is the overhead of the worker, the files in memory,
  // WAVE parsing and the timing work.
  const { module } = await fliteModule();
  const shim = (await import(wasiShimUrl())) as typeof import('@bjorn3/browser_wasi_shim');
  const instantiations: number[] = [];
  const runs: number[] = [];
  // CPU time as well as wall time: on a shared machine the wall clock also counts waiting.
  const cpuRuns: number[] = [];
  for (let i = 0; i < 7; i++) {
    const input = new shim.File(new TextEncoder().encode(`${LONG}\n`));
    const fds = [
      new shim.OpenFile(new shim.File([])),
      new shim.ConsoleStdout(() => undefined),
      new shim.ConsoleStdout(() => undefined),
      new shim.PreopenDirectory(
        '/w',
        new Map([
          ['in.txt', input],
          ['out.wav', new shim.File([])],
        ]),
      ),
    ];
    const command = ['flite', '-voice', 'slt', '-psdur', '-f', '/w/in.txt', '-o', '/w/out.wav'];
    const wasi = new shim.WASI(command, [], fds, { debug: false });
    const start = performance.now();
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport });
    const made = performance.now();
    const cpu = process.cpuUsage();
    wasi.start(instance as Parameters<typeof wasi.start>[0]);
    const used = process.cpuUsage(cpu);
    runs.push(performance.now() - made);
    cpuRuns.push((used.user + used.system) / 1000);
    instantiations.push(made - start);
  }
  figures.push({ name: 'flite.instantiate', value: median(instantiations), unit: 'ms' });
  figures.push({ name: 'flite.slt.long_sentence.engine_only', value: median(runs), unit: 'ms' });
  figures.push({ name: 'flite.slt.long_sentence.engine_only.cpu', value: median(cpuRuns), unit: 'ms' });

  const second48k = {
    samples: new Int16Array(48000).map((_, i) => Math.round(8000 * Math.sin(i / 7))),
    sampleRate: 48000,
  };
  const resampleTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    resample(second48k, 16000);
    resampleTimes.push(performance.now() - start);
  }
  figures.push({ name: 'resample.48k_to_16k.per_second_of_audio', value: median(resampleTimes), unit: 'ms' });
  return figures;
}

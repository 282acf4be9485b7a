/**
 * Event-loop delay on the calling thread while streams are recognized, in-thread
 * (`GrammarRecognizer`) against worker threads (`RecognizerThreads`), as a server feeds them: 20 ms
 * of audio per stream every 20 ms, all streams starting together.
 *
 * Run: node --import tsx bench/speech/recognizer-threads.ts [streams...]
 * Each configuration runs in a fresh process, so the memory figures are its own.
 */
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { SpeechRecognizer } from '@visemo/core';
import { GrammarRecognizer, RecognizerThreads } from '@visemo/speech';
import { IN_GRAMMAR, SUPPORT_DOMAIN } from '../../packages/speech/test/support/customer-support-domain.js';
import { fliteSpeech } from '../../packages/speech/test/support/speech-fixtures.js';

const CHUNK = 320;
const CHUNK_MS = 20;

interface Round {
  /** Worst and 99th-percentile event-loop delay during the round, ms. */
  maxDelayMs: number;
  p99DelayMs: number;
  /** From finish() to the transcript, per stream, ms. */
  finishMs: number[];
  /** Streams whose transcript matched what was said. */
  correct: number;
}

async function round(recognizer: SpeechRecognizer, utterances: { text: string; audio: Int16Array }[]) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const finishMs: number[] = [];
  let correct = 0;
  await Promise.all(
    utterances.map(
      ({ text, audio }) =>
        new Promise<void>((resolve, reject) => {
          const stream = recognizer.start();
          let offset = 0;
          const timer = setInterval(() => {
            if (offset < audio.length) {
              stream.write(audio.subarray(offset, offset + CHUNK));
              offset += CHUNK;
              return;
            }
            clearInterval(timer);
            const started = performance.now();
            stream.finish().then((t) => {
              finishMs.push(performance.now() - started);
              if (t.text === text) correct++;
              resolve();
            }, reject);
          }, CHUNK_MS);
        }),
    ),
  );
  histogram.disable();
  const result: Round = {
    maxDelayMs: histogram.max / 1e6,
    p99DelayMs: histogram.percentile(99) / 1e6,
    finishMs,
    correct,
  };
  return result;
}

async function measure(mode: 'in-thread' | 'threads', streams: number) {
  const voices = ['slt', 'rms', 'awb'];
  const utterances = Array.from({ length: streams }, (_, i) => {
    const text = IN_GRAMMAR[(i * 3) % IN_GRAMMAR.length] as string;
    return { text, audio: fliteSpeech(text, voices[i % voices.length] as string) };
  });
  const rssBefore = process.memoryUsage().rss;
  const createStart = performance.now();
  const recognizer =
    mode === 'threads'
      ? await RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 2 })
      : await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
  const createMs = performance.now() - createStart;
  const rssCreated = process.memoryUsage().rss;
  // The first round also makes the decoders that the default pool does not keep warm.
  const cold = await round(recognizer, utterances);
  const warm = await round(recognizer, utterances);
  const rssAfter = process.memoryUsage().rss;
  await recognizer.close();
  return {
    mode,
    streams,
    createMs: Math.round(createMs),
    rssCreatedMb: Math.round((rssCreated - rssBefore) / 2 ** 20),
    rssAfterMb: Math.round((rssAfter - rssBefore) / 2 ** 20),
    cold: summary(cold),
    warm: summary(warm),
  };
}

function summary(r: Round) {
  const sorted = [...r.finishMs].sort((a, b) => a - b);
  return {
    maxDelayMs: Math.round(r.maxDelayMs),
    p99DelayMs: Math.round(r.p99DelayMs),
    finishMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)] as number),
    finishMaxMs: Math.round(sorted[sorted.length - 1] as number),
    correct: r.correct,
  };
}

const [, , mode, count] = process.argv;
if (mode === 'in-thread' || mode === 'threads') {
  console.log(JSON.stringify(await measure(mode, Number(count))));
} else {
  const counts = process.argv.slice(2).map(Number);
  for (const streams of counts.length ? counts : [1, 8]) {
    for (const m of ['in-thread', 'threads']) {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), m, String(streams)],
        { encoding: 'utf8' },
      );
      console.log(out.trim());
    }
  }
}

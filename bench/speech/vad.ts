import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VoiceActivityDetector } from '@visemo/core';
import { EndpointerVad, SileroVad } from '@visemo/speech';
import {
  cardsRecordings,
  FLITE_CLI_VOICES,
  fliteSpeech,
  hasFliteCli,
  hasPocketsphinxData,
  makeNoise,
  POCKETSPHINX_DATA,
  padAndMix,
  readRaw16,
  readWavFile,
  referenceSpan,
} from '../../packages/speech/test/support/speech-fixtures.js';
import { vadSegments } from '../../packages/speech/test/support/vad-segments.js';
import { SHARED_DATA } from '../shared-data.js';
import type { BenchRow } from '../table.js';

/**
 * VAD measurements: speech-span accuracy on real and Flite speech padded with silence (clean and
 * with white/pink noise mixed in), false starts on noise alone, and CPU time per second of audio.
 */

const BEFORE_MS = 1000;
const AFTER_MS = 1500;

type Condition = { name: string; noise?: { kind: 'white' | 'pink'; snrDb: number } };
const CONDITIONS: Condition[] = [
  { name: 'clean' },
  { name: 'white 30 dB', noise: { kind: 'white', snrDb: 30 } },
  { name: 'white 20 dB', noise: { kind: 'white', snrDb: 20 } },
  { name: 'white 10 dB', noise: { kind: 'white', snrDb: 10 } },
  { name: 'pink 10 dB', noise: { kind: 'pink', snrDb: 10 } },
];

const FLITE_SENTENCES = [
  'I would like to check the status of my order please.',
  'Can you tell me when the store opens tomorrow morning?',
  'Thank you, that is all I needed.',
];

export interface VadRow {
  vad: string;
  condition: string;
  clips: number;
  /** Clips where speech was found overlapping the reference span. */
  detected: number;
  /** Mean absolute start and end error against the reference span, ms. */
  startErrorMs: number;
  endErrorMs: number;
  /** Mean signed errors, ms (negative = early). */
  startBiasMs: number;
  endBiasMs: number;
  /** Clips cut into more than one speech segment. */
  split: number;
}

export interface VadMeasurement {
  rows: VadRow[];
  /** Speech starts per minute of noise-only audio, per VAD. */
  falseStartsPerMinute: Record<string, number>;
  /** CPU ms per second of audio, per VAD. */
  cpuMsPerSecond: Record<string, number>;
}

function speechClips(): { name: string; samples: Int16Array }[] {
  const clips: { name: string; samples: Int16Array }[] = [];
  if (hasPocketsphinxData()) {
    for (const c of cardsRecordings()) clips.push(c);
    clips.push({ name: 'goforward', samples: readRaw16(join(POCKETSPHINX_DATA, 'goforward.raw')) });
  }
  const speech = join(SHARED_DATA, 'speech');
  const tsv = join(speech, 'transcripts.tsv');
  if (existsSync(tsv)) {
    for (const line of readFileSync(tsv, 'utf8').trim().split('\n')) {
      const file = line.split('\t')[0] as string;
      clips.push({ name: file, samples: readWavFile(join(speech, file)).samples });
    }
  }
  if (hasFliteCli()) {
    FLITE_SENTENCES.forEach((text, i) => {
      for (const voice of FLITE_CLI_VOICES)
        clips.push({ name: `flite-${voice}-${i}`, samples: fliteSpeech(text, voice) });
    });
  }
  return clips;
}

export async function measureVad(detectors?: VoiceActivityDetector[]): Promise<VadMeasurement> {
  const vads = detectors ?? [await EndpointerVad.create(), new SileroVad()];
  const clips = speechClips();
  const rows: VadRow[] = [];
  const cpu: Record<string, { ms: number; seconds: number }> = {};
  for (const vad of vads) {
    cpu[vad.name] = { ms: 0, seconds: 0 };
    for (const condition of CONDITIONS) {
      const row: VadRow = {
        vad: vad.name,
        condition: condition.name,
        clips: clips.length,
        detected: 0,
        startErrorMs: 0,
        endErrorMs: 0,
        startBiasMs: 0,
        endBiasMs: 0,
        split: 0,
      };
      clips.forEach((clip, k) => {
        const ref = referenceSpan(clip.samples);
        const audio = padAndMix(
          clip.samples,
          BEFORE_MS,
          AFTER_MS,
          condition.noise ? { ...condition.noise, seed: k + 1 } : undefined,
        );
        const t0 = performance.now();
        const segments = vadSegments(vad, audio);
        const c = cpu[vad.name] as { ms: number; seconds: number };
        c.ms += performance.now() - t0;
        c.seconds += audio.length / 16000;
        const refStart = ref.startMs + BEFORE_MS;
        const refEnd = ref.endMs + BEFORE_MS;
        const overlapping = segments.filter((s) => s.endMs > refStart && s.startMs < refEnd);
        if (overlapping.length === 0) return;
        row.detected++;
        if (overlapping.length > 1) row.split++;
        const start = (overlapping[0] as { startMs: number }).startMs - refStart;
        const end = (overlapping[overlapping.length - 1] as { endMs: number }).endMs - refEnd;
        row.startErrorMs += Math.abs(start);
        row.endErrorMs += Math.abs(end);
        row.startBiasMs += start;
        row.endBiasMs += end;
      });
      for (const key of ['startErrorMs', 'endErrorMs', 'startBiasMs', 'endBiasMs'] as const) {
        row[key] = Math.round(row[key] / Math.max(1, row.detected));
      }
      rows.push(row);
    }
  }

  const falseStartsPerMinute: Record<string, number> = {};
  const noiseSeconds = 20;
  for (const vad of vads) {
    let starts = 0;
    let seconds = 0;
    for (const kind of ['white', 'pink'] as const) {
      // Room-noise levels from quiet to loud: RMS 100, 300 and 1000 (−50, −40, −30 dBFS).
      for (const level of [100, 300, 1000]) {
        const noise = makeNoise(kind, noiseSeconds * 16000, level);
        const samples = Int16Array.from(noise, (v) =>
          Math.max(-32768, Math.min(32767, Math.round(v * level))),
        );
        starts += vadSegments(vad, samples).length;
        seconds += noiseSeconds;
      }
    }
    falseStartsPerMinute[vad.name] = Math.round((starts / seconds) * 60 * 10) / 10;
  }
  const cpuMsPerSecond: Record<string, number> = {};
  for (const [name, c] of Object.entries(cpu))
    cpuMsPerSecond[name] = Math.round((c.ms / c.seconds) * 100) / 100;
  return { rows, falseStartsPerMinute, cpuMsPerSecond };
}

/** For the benchmark runner: span errors, false starts and CPU per VAD. */
export async function benchVad(): Promise<BenchRow[]> {
  const m = await measureVad();
  const out: BenchRow[] = [];
  for (const row of m.rows) {
    const key = `vad.${row.vad}.${row.condition.replace(/\s+/g, '_')}`;
    out.push({ name: `${key}.detected`, value: row.detected / Math.max(1, row.clips), unit: 'ratio' });
    out.push({ name: `${key}.start_error`, value: row.startErrorMs, unit: 'ms' });
    out.push({ name: `${key}.end_error`, value: row.endErrorMs, unit: 'ms' });
  }
  for (const [name, v] of Object.entries(m.falseStartsPerMinute)) {
    out.push({ name: `vad.${name}.noise_false_starts`, value: v, unit: 'per_min' });
  }
  for (const [name, v] of Object.entries(m.cpuMsPerSecond)) {
    out.push({ name: `vad.${name}.cpu`, value: v, unit: 'ms_per_audio_s' });
  }
  return out;
}

import { type JunitCase, junitDocument } from '../junit-xml.js';
import { type CheckVoice, voiceLabel } from './check-voices.js';
import type { UtteranceMeasures } from './measure-utterance.js';
import type { CheckThresholds } from './thresholds.js';

/** One sentence as one voice spoke it, measured and judged. */
export interface UtteranceCheck {
  voice: CheckVoice;
  measures: UtteranceMeasures;
  /** Each threshold it is beyond; empty when it passed. */
  violations: string[];
  elapsedMs: number;
}

const COLUMNS: [title: string, width: number][] = [
  ['', 1],
  ['voice', 10],
  ['sentence', 34],
  ['audio ms', 8],
  ['offset mean/max ms', 18],
  ['clip %', 6],
  ['LUFS', 6],
  ['lead ms', 7],
  ['phones/s', 8],
];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.[1] ?? 0;
      return i === 1 || i === 2 ? cell.padEnd(width) : cell.padStart(width);
    })
    .join('  ')
    .trimEnd();
}

export function tableHeader(): string {
  return `${row(COLUMNS.map(([title]) => title))}\n${row(COLUMNS.map(([, w]) => '-'.repeat(w)))}`;
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The table row of one utterance, printed as soon as it is measured; the violations under it. */
export function tableRow(check: UtteranceCheck): string {
  const m = check.measures;
  const line = row([
    check.violations.length === 0 ? '✓' : '✗',
    voiceLabel(check.voice),
    shorten(m.text, 34),
    String(m.durationMs),
    m.lipSync ? `${m.lipSync.meanMs.toFixed(1)} / ${m.lipSync.maxMs}` : '—',
    m.clippedPercent.toFixed(2),
    m.loudnessLufs === null ? '—' : m.loudnessLufs.toFixed(1),
    String(m.leadingSilenceMs),
    m.phonesPerSecond.toFixed(1),
  ]);
  return [line, ...check.violations.map((v) => `     ${v}`)].join('\n');
}

/** Per voice: utterances, failures, the mean and worst of each measure. */
export interface VoiceSummary {
  voice: string;
  utterances: number;
  failed: number;
  meanOffsetMs: number | null;
  maxOffsetMs: number | null;
  /** Loudness over all the voice's utterances together is not their mean; the range is what a reader needs. */
  lufsMin: number | null;
  lufsMax: number | null;
  maxClippedPercent: number;
  maxLeadingSilenceMs: number;
}

export function summarizeVoices(checks: readonly UtteranceCheck[]): VoiceSummary[] {
  const byVoice = new Map<string, UtteranceCheck[]>();
  for (const c of checks) byVoice.set(voiceLabel(c.voice), [...(byVoice.get(voiceLabel(c.voice)) ?? []), c]);
  return [...byVoice].map(([voice, list]) => {
    const synced = list.flatMap((c) => (c.measures.lipSync ? [c.measures.lipSync] : []));
    const phones = synced.reduce((n, s) => n + s.matchedPhones, 0);
    const lufs = list.flatMap((c) => (c.measures.loudnessLufs === null ? [] : [c.measures.loudnessLufs]));
    return {
      voice,
      utterances: list.length,
      failed: list.filter((c) => c.violations.length > 0).length,
      // Weighted by phones, so a three-phone "Sure." counts for what it is.
      meanOffsetMs:
        phones > 0 ? round1(synced.reduce((s, x) => s + x.meanMs * x.matchedPhones, 0) / phones) : null,
      maxOffsetMs: synced.length > 0 ? Math.max(...synced.map((s) => s.maxMs)) : null,
      lufsMin: lufs.length > 0 ? Math.min(...lufs) : null,
      lufsMax: lufs.length > 0 ? Math.max(...lufs) : null,
      maxClippedPercent: Math.max(0, ...list.map((c) => c.measures.clippedPercent)),
      maxLeadingSilenceMs: Math.max(0, ...list.map((c) => c.measures.leadingSilenceMs)),
    };
  });
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function summaryTable(summaries: readonly VoiceSummary[]): string {
  const lines = [
    '| voice | utterances | failed | lip-sync offset mean / max | LUFS | clipping max | leading silence max |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of summaries) {
    const offset = s.meanOffsetMs === null ? '—' : `${s.meanOffsetMs.toFixed(1)} / ${s.maxOffsetMs} ms`;
    const lufs = s.lufsMin === null ? '—' : `${s.lufsMin.toFixed(1)} to ${s.lufsMax?.toFixed(1)}`;
    lines.push(
      `| ${s.voice} | ${s.utterances} | ${s.failed} | ${offset} | ${lufs} | ${s.maxClippedPercent.toFixed(2)} % | ${s.maxLeadingSilenceMs} ms |`,
    );
  }
  return lines.join('\n');
}

/** JUnit XML: one `testsuite` per voice, one `testcase` per sentence, a `failure` listing what was beyond its threshold. */
export function checkJunitXml(checks: readonly UtteranceCheck[]): string {
  const byVoice = new Map<string, JunitCase[]>();
  for (const c of checks) {
    const voice = voiceLabel(c.voice);
    const testCase: JunitCase = {
      name: c.measures.text,
      classname: `visemo check.${voice}`,
      timeMs: c.elapsedMs,
    };
    if (c.violations.length > 0)
      testCase.failure = {
        message: c.violations.join('; '),
        type: 'threshold',
        text: JSON.stringify(c.measures, null, 2),
      };
    byVoice.set(voice, [...(byVoice.get(voice) ?? []), testCase]);
  }
  return junitDocument(
    'visemo check',
    [...byVoice].map(([name, cases]) => ({ name, cases })),
  );
}

/** What `visemo check --json` prints. */
export interface CheckReport {
  thresholds: CheckThresholds;
  voices: VoiceSummary[];
  utterances: UtteranceCheck[];
  /** Voices of the default set that could not run here, with why. */
  skipped: string[];
  passed: boolean;
}

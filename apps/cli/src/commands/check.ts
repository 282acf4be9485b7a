import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ForcedAligner } from '@visemo/speech';
import { InputError, parseCommandArgs, readInputFile } from '../args.js';
import {
  type CheckReport,
  checkJunitXml,
  summarizeVoices,
  summaryTable,
  tableHeader,
  tableRow,
  type UtteranceCheck,
} from '../media-checks/check-report.js';
import { CHECK_VOICES, CheckSynthesizers, resolveCheckVoices } from '../media-checks/check-voices.js';
import { DEFAULT_SENTENCES } from '../media-checks/default-sentences.js';
import { measureUtterance } from '../media-checks/measure-utterance.js';
import {
  DEFAULT_THRESHOLDS as D,
  parseThresholds,
  THRESHOLD_FLAGS,
  thresholdViolations,
} from '../media-checks/thresholds.js';

const HELP = `visemo check [--sentences FILE] [--voices LIST] [--junit OUT.xml] [--json] [thresholds]

Media fidelity of the embedded voices: each sentence is spoken by each voice as the pipeline speaks
the first sentence of a reply, and measured (docs/media-checks.md):
  lip-sync     the phones behind the viseme track against forced alignment of the audio, ms
  loudness     integrated loudness, ITU-R BS.1770-4 / EBU R 128, LUFS
  clipping     share of samples at or above −0.1 dBFS
  silence      leading silence, ms
  rate         the declared sample rate, where the viseme track ends against the audio, and the
               speaking rate (audio played at the wrong rate is twice or half as fast)

  --sentences FILE   one sentence a line (# comments, blank lines ignored); default: ${DEFAULT_SENTENCES.length} built in
  --voices LIST      of ${CHECK_VOICES.join(', ')} (default: all; Pico's only where its lingware is)
  --junit FILE       also write the results as JUnit XML
  --json             print the measures as JSON instead of the table (progress goes to stderr)

Thresholds (defaults in brackets):
  --${THRESHOLD_FLAGS.maxMeanOffsetMs} MS [${D.maxMeanOffsetMs}]  --${THRESHOLD_FLAGS.maxPeakOffsetMs} MS [${D.maxPeakOffsetMs}]  --${THRESHOLD_FLAGS.minLufs} LUFS [${D.minLufs}]  --${THRESHOLD_FLAGS.maxLufs} LUFS [${D.maxLufs}]
  --${THRESHOLD_FLAGS.maxClippedPercent} PERCENT [${D.maxClippedPercent}]  --${THRESHOLD_FLAGS.maxLeadingSilenceMs} MS [${D.maxLeadingSilenceMs}]  --${THRESHOLD_FLAGS.maxTrackOverrunMs} MS [${D.maxTrackOverrunMs}]
  --${THRESHOLD_FLAGS.minPhonesPerSecond} PHONES/S [${D.minPhonesPerSecond}]  --${THRESHOLD_FLAGS.maxPhonesPerSecond} PHONES/S [${D.maxPhonesPerSecond}]

Exit code 0 when every utterance is within the thresholds, 1 when one is not.`;

export async function checkCommand(argv: string[]): Promise<number> {
  const thresholdOptions = Object.fromEntries(
    Object.values(THRESHOLD_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
  );
  const { values } = parseCommandArgs(
    argv,
    {
      sentences: { type: 'string' },
      voices: { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...thresholdOptions,
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const thresholds = parseThresholds(values);
  const { voices, skipped } = resolveCheckVoices(values.voices as string | undefined);
  const sentences = values.sentences ? await readSentences(values.sentences as string) : DEFAULT_SENTENCES;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // The table is the output; with --json it is the progress, on stderr.
  const show = values.json ? log : (line: string) => process.stdout.write(`${line}\n`);
  for (const note of skipped) log(`skipping ${note}`);
  log(`${sentences.length} sentences × ${voices.length} voices`);

  const aligner = await ForcedAligner.create();
  const synthesizers = new CheckSynthesizers(aligner);
  const checks: UtteranceCheck[] = [];
  show(tableHeader());
  try {
    for (const voice of voices) {
      const synthesizer = synthesizers.for(voice);
      for (const text of sentences) {
        const started = performance.now();
        const measures = await measureUtterance(synthesizer, voice.voice, text, aligner);
        const check = {
          voice,
          measures,
          violations: thresholdViolations(measures, thresholds),
          elapsedMs: Math.round(performance.now() - started),
        };
        checks.push(check);
        show(tableRow(check));
      }
    }
  } finally {
    await synthesizers.close();
    aligner.delete();
  }

  const summaries = summarizeVoices(checks);
  const failed = checks.filter((c) => c.violations.length > 0).length;
  const summary = `${checks.length - failed} passed, ${failed} failed`;
  if (values.json) {
    const report: CheckReport = {
      thresholds,
      voices: summaries,
      utterances: checks,
      skipped,
      passed: failed === 0,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    log(summary);
  } else {
    process.stdout.write(`\n${summaryTable(summaries)}\n\n${summary}\n`);
  }
  if (values.junit) {
    const file = values.junit as string;
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, checkJunitXml(checks));
    log(`JUnit report: ${file}`);
  }
  return failed > 0 || checks.length === 0 ? 1 : 0;
}

async function readSentences(file: string): Promise<string[]> {
  const sentences = (await readInputFile(file))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (sentences.length === 0) throw new InputError(`${file} has no sentences (one a line)`);
  return sentences;
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findSpokenLanguage } from '@visemo/core';
import { loadAgent } from '@visemo/dialogue';
import { createEmbeddedRuntime } from '@visemo/server';
import { FLITE_VOICES, FliteSynthesizer } from '@visemo/speech';
import { parseCommandArgs, requireString, UsageError } from '../args.js';
import { junitXml } from '../dialogue-tests/junit-report.js';
import { DialogueSuiteError, loadDialogueSuites } from '../dialogue-tests/load-suites.js';
import { runConversations, type TestMode } from '../dialogue-tests/run-conversations.js';
import { failureReport, progressLine, summarize, summaryLine } from '../dialogue-tests/test-report.js';

const HELP = `visemo test --agent DIR [--spoken] [--voices slt,rms,awb,kal] [--junit OUT.xml] [--filter NAME]

Runs the agent's dialogue tests (DIR/tests/*.yaml, docs/dialogue-tests.md) through the session
pipeline the server runs, on the embedded providers only.
  --spoken          say each line with every embedded Flite voice and send the audio, in 20 ms
                    frames, through the agent's speech recognizer instead of typing it
  --voices LIST     the voices of --spoken (implies it; default ${FLITE_VOICES.join(',')})
  --junit FILE      also write the results as JUnit XML
  --filter TEXT     only conversations whose name or file contains TEXT

Exit code 0 when every conversation passed, 1 when one failed or a test file has errors.`;

export async function testCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      agent: { type: 'string' },
      spoken: { type: 'boolean' },
      voices: { type: 'string' },
      junit: { type: 'string' },
      filter: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const agentDir = requireString(values.agent, '--agent');
  const spoken = values.spoken === true || values.voices !== undefined;
  const modes: TestMode[] = spoken ? parseVoices(values.voices).map((voice) => ({ voice })) : ['typed'];
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const { spec } = await loadAgent(agentDir);
  if (spoken && findSpokenLanguage(spec.persona.language)?.code !== 'en') {
    process.stderr.write(
      `visemo test: --spoken says the lines with Flite's English voices, and this agent speaks ${spec.persona.language}; run its tests typed (docs/languages.md)\n`,
    );
    return 1;
  }
  let suites: Awaited<ReturnType<typeof loadDialogueSuites>>;
  try {
    suites = await loadDialogueSuites(agentDir, spec);
  } catch (error) {
    if (!(error instanceof DialogueSuiteError)) throw error;
    process.stderr.write(`visemo test: the dialogue test files have errors:\n${error.message}\n`);
    return 1;
  }
  const total = suites.reduce((n, s) => n + s.conversations.length, 0);
  log(
    `${total} conversations in ${suites.length} files; ${modes.length > 1 ? `${modes.length} voices` : spoken ? '1 voice' : 'typed'}`,
  );

  const embedded = await createEmbeddedRuntime(agentDir, {
    speechInput: spoken,
    providers: false,
    env: {},
    synthesisCacheBytes: 0,
    onProgress: (step) => log(`  ${step}`),
  });
  const synthesizer = spoken ? new FliteSynthesizer({ workers: 1 }) : undefined;
  const failures: string[] = [];
  let results: Awaited<ReturnType<typeof runConversations>>;
  try {
    results = await runConversations(suites, {
      runtime: embedded.runtime,
      modes,
      ...(synthesizer ? { synthesizer } : {}),
      ...(values.filter ? { filter: values.filter } : {}),
      onResult: (result) => {
        process.stdout.write(`${progressLine(result)}\n`);
        if (result.status === 'failed') failures.push(failureReport(result));
      },
    });
  } finally {
    await synthesizer?.close();
    await embedded.close();
  }

  if (failures.length > 0) process.stdout.write(`\nFailures:\n\n${failures.join('\n\n')}\n`);
  const summary = summarize(results);
  if (results.length === 0) log(`no conversation matches --filter "${values.filter}"`);
  process.stdout.write(`\n${summaryLine(summary)}\n`);
  if (values.junit) {
    await mkdir(path.dirname(path.resolve(values.junit)), { recursive: true });
    await writeFile(values.junit, junitXml(path.basename(path.resolve(agentDir)), results));
    log(`JUnit report: ${values.junit}`);
  }
  return summary.failed > 0 || results.length === 0 ? 1 : 0;
}

function parseVoices(list: string | undefined): string[] {
  if (list === undefined) return [...FLITE_VOICES];
  const voices = list
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = voices.filter((v) => !(FLITE_VOICES as readonly string[]).includes(v));
  if (voices.length === 0 || unknown.length > 0) {
    throw new UsageError(`--voices takes ${FLITE_VOICES.join(', ')}; got "${list}"`);
  }
  return voices;
}

/**
 * `npm run bench`: every benchmark of the project, printed as Markdown tables.
 * `npm run bench -- --quick` runs fewer sessions and questions (for a quick look, not for the README).
 * `npm run bench -- --only sessions,nlu` runs the named groups (`speech` = flite, asr and vad);
 * `npm run bench -- speaker-change` the same for one.
 * `npm run bench -- --only soak` (10 sessions for 3 minutes; `--quick`: 4 for 30 s).
 */
import { writeFileSync } from 'node:fs';
import { type BenchRow, formatTable } from './table.js';

interface Group {
  name: string;
  /** A wider name `--only` also accepts, for running related groups together. */
  set?: string;
  title: string;
  run: (quick: boolean) => Promise<BenchRow[]>;
}

const groups: Group[] = [
  {
    name: 'sessions',
    title: 'Voice sessions through the WebSocket server (embedded providers, support agent)',
    run: async (quick) => (await import('./voice-sessions.js')).benchVoiceSessions(quick),
  },
  {
    name: 'soak',
    title:
      'Soak and faults: voice sessions talking for minutes with barge-ins, a local model that cuts, stalls and fails',
    run: async (quick) => (await import('./soak.js')).benchSoak(quick),
  },
  {
    name: 'overhead',
    title: 'Pipeline overhead per turn (time outside the providers)',
    run: async () => (await import('./pipeline-overhead.js')).benchPipelineOverhead(),
  },
  {
    name: 'ops',
    title: 'Operations: tracing per turn, feature flags per session, NLU rollbacks',
    run: async (quick) => (await import('./ops.js')).benchOps(quick),
  },
  {
    name: 'flite',
    set: 'speech',
    title: 'Embedded speech: Flite TTS',
    run: async () => (await import('./speech/flite.js')).benchFlite(),
  },
  {
    name: 'asr',
    set: 'speech',
    title: 'Embedded speech: grammar ASR',
    run: async () => (await import('./speech/asr.js')).benchAsr(),
  },
  {
    name: 'asr-sessions',
    title: 'Embedded speech: the same recordings one session at a time and many at once on pooled decoders',
    run: async (quick) => (await import('./speech/asr-sessions.js')).benchAsrSessions(quick),
  },
  {
    name: 'end-of-turn',
    title: 'End of turn beyond silence: pauses mid-sentence and answer delay, three rules side by side',
    run: async (quick) => (await import('./speech/end-of-turn.js')).benchEndOfTurn(quick),
  },
  {
    name: 'asr-repeat',
    title: 'Embedded speech: the same recording said again — does it get the same answer?',
    run: async (quick) => (await import('./speech/asr-repeat.js')).benchAsrRepeat(quick),
  },
  {
    name: 'asr-french',
    title: "Embedded speech in French: the French agent's grammar hearing eSpeak NG voices",
    run: async (quick) => (await import('./speech/asr-french.js')).benchAsrFrench(quick),
  },
  {
    name: 'vad',
    set: 'speech',
    title: 'Embedded speech: VAD',
    run: async () => (await import('./speech/vad.js')).benchVad(),
  },
  {
    name: 'alignment',
    title: 'Lip-sync for any voice: forced alignment against Flite phone timings',
    run: async () => (await import('./speech/alignment.js')).benchAlignment(),
  },
  {
    name: 'voices',
    title: 'Embedded voices: Flite and SVOX Pico — speed, pitch contour, intelligibility, lip-sync',
    run: async (quick) => (await import('./speech/voices.js')).benchVoices(quick),
  },
  {
    name: 'espeak',
    set: 'voices',
    title:
      'Embedded voices: eSpeak NG (US English and French) — speed, pitch contour, intelligibility, lip-sync',
    run: async (quick) => (await import('./speech/espeak.js')).benchEspeak(quick),
  },
  {
    name: 'noise',
    title: 'Noisy rooms: grammar recognition of speech mixed with noise, with and without RNNoise',
    run: async (quick) => (await import('./speech/noise.js')).benchNoise(quick),
  },
  {
    name: 'speaker-change',
    title:
      'Who is speaking: speaker changes on one microphone, voice print vs pitch only, clean and at 10 dB SNR',
    run: async (quick) => (await import('./speech/speaker-change.js')).benchSpeakerChange(quick),
  },
  {
    name: 'barge-in',
    title:
      'Barge-in on loudspeakers: the agent’s echo, interruptions and backchannels, VAD only vs echo-aware',
    run: async (quick) => (await import('./speech/barge-in.js')).benchBargeIn(quick),
  },
  {
    name: 'providers',
    title: 'Streaming LLM → sentence chunker → TTS, and fallback latency (local vendor-format servers)',
    run: async () => (await import('./providers.js')).benchProviders(),
  },
  {
    name: 'nlu',
    title: 'NLU accuracy and speed',
    run: async (quick) => {
      const nlu = await import('./nlu-bench.js');
      // --quick leaves out the sentence encoder, which adds about five minutes.
      return [...(await nlu.benchNlu()), ...(quick ? [] : await nlu.benchNluWithEncoder())];
    },
  },
  {
    name: 'routing',
    title: 'Example agents: which path answers held-out utterances (intent, knowledge page, fallback)',
    run: async () => (await import('./dialogue-routing.js')).benchDialogueRouting(),
  },
  {
    name: 'agents',
    title: 'Example agents: intent accuracy on held-out utterances',
    run: async () => (await import('./agent-nlu.js')).benchAgentNlu(),
  },
  {
    name: 'spoken',
    title:
      'Example agents: held-out utterances spoken by four Flite voices, through the grammar recognizer and the NLU',
    run: async (quick) => (await import('./spoken-utterances.js')).benchSpokenUtterances(quick),
  },
  {
    name: 'curation',
    title: 'visemo curate: exporting stored turns for review and training a curated NLU (support agent)',
    run: async (quick) => (await import('./curation.js')).benchCuration(quick),
  },
  {
    name: 'drift',
    title: 'Drift detection: one check of the user signals over 100,000 stored turns (PGlite and PostgreSQL)',
    run: async (quick) => (await import('./drift.js')).benchDrift(quick),
  },
  {
    name: 'storage',
    title: 'Storage cost per turn (PGlite and PostgreSQL)',
    run: async (quick) => (await import('./storage.js')).benchStorage(quick),
  },
  {
    name: 'multi-party',
    title: 'Conversations of several people: joining, and two microphones speaking at once (support agent)',
    run: async (quick) => (await import('./multi-party.js')).benchMultiParty(quick),
  },
  {
    name: 'studio-debugger',
    title: 'Studio conversation debugger: reading a stored session, replaying its turns',
    run: async (quick) => (await import('./studio-debugger.js')).benchStudioDebugger(quick),
  },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
// `npm run bench -- speaker-change` is `--only speaker-change`.
const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--only');
const only =
  onlyAt >= 0 || named.length > 0
    ? new Set([...(onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',') : []), ...named])
    : null;
const out: string[] = [
  `# Visemo benchmarks (${new Date().toISOString().slice(0, 10)}, ${quick ? 'quick' : 'full'})`,
  '',
];
for (const group of groups) {
  if (only && !only.has(group.name) && !(group.set && only.has(group.set))) continue;
  process.stderr.write(`▶ ${group.title}\n`);
  const started = performance.now();
  try {
    const rows = await group.run(quick);
    const table = formatTable(group.title, rows);
    process.stdout.write(`${table}\n`);
    out.push(table);
  } catch (error) {
    process.stdout.write(`### ${group.title}\n\nfailed: ${(error as Error).stack}\n\n`);
  }
  process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
writeFileSync('bench-results.md', out.join('\n'));
process.stderr.write('tables written to bench-results.md\n');

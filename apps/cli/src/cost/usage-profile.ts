import type { StoredUsage } from '@visemo/storage';
import { InputError } from '../args.js';
import { type MeasuredUsage, type SetupUsage, USAGE_PRODUCERS } from './measured-usage.js';

/** Billed units of one turn, by the kind of provider that bills them. */
export interface TurnUnits {
  llmInputTokens: number;
  llmOutputTokens: number;
  ttsCharacters: number;
  asrSeconds: number;
}

/** What one turn and one session use, whatever measured it: the forecast's only input besides traffic. */
export interface UsageProfile {
  /** The server's CPU time per turn, streaming between turns included. */
  cpuSecondsPerTurn: number;
  sessionSecondsPerTurn: number;
  rssGiBPerSession: number;
  /** A server process before any session: the memory every replica holds. */
  idleRssGiB: number;
  bytesSentPerTurn: number;
  /** Seconds of answer audio behind those bytes (16 kHz PCM16 is 32 kB a second). */
  replyAudioSecondsPerTurn: number;
  /** The CPU seconds of a turn by hop, from one session alone, when the benchmark measured them. */
  cpuSecondsByHop?: Record<string, number>;
  storageBytesPerTurn: number;
  units: TurnUnits;
  /** Where each number came from, for the report. */
  sources: string[];
}

/** Per turn answered by a language model; `share`: the fraction of turns it answers. */
export interface LlmTurnTokens {
  input: number;
  output: number;
  share: number;
}

/**
 * The benchmark setup a forecast uses: the one named, else the fewest sessions at once. Alone,
 * nothing waits, so a session lasts per turn what the conversation takes; on a loaded server turns
 * stretch, and a session looks cheaper per second than it is.
 */
export function pickSetup(usage: MeasuredUsage, name?: string): SetupUsage {
  const setups = usage.sessions ?? [];
  if (setups.length === 0)
    throw new InputError(
      `the usage file has no session measurements; \`${USAGE_PRODUCERS.sessions}\` writes them`,
    );
  if (name !== undefined) {
    const named = setups.find((s) => s.setup === name);
    if (!named)
      throw new InputError(
        `no setup "${name}" in the usage file; it has: ${setups.map((s) => `"${s.setup}"`).join(', ')}`,
      );
    return named;
  }
  return setups.reduce((a, b) =>
    b.concurrent < a.concurrent || (b.concurrent === a.concurrent && b.servedAsDefault && !a.servedAsDefault)
      ? b
      : a,
  );
}

/**
 * The usage profile from the benchmark's setup, refined by what a deployment measured where given:
 * its stored sessions (length of a turn, bytes kept, how often the model answers) and its
 * providers' billed usage (from /metrics).
 */
export function usageProfile(options: {
  measured: MeasuredUsage;
  setup: SetupUsage;
  stored?: StoredUsage;
  billed?: BilledUsage;
  llm?: LlmTurnTokens;
}): UsageProfile {
  const { measured, setup, stored, billed, llm } = options;
  const bench = `${setup.setup} on ${measured.host.cores} × ${measured.host.cpu}, ${measured.measuredAt.slice(0, 10)}, ${measured.commit}`;
  const sources = [`CPU, memory, audio and bytes sent per turn: the session benchmark (${bench})`];
  let sessionSecondsPerTurn = setup.sessionSecondsPerTurn;
  let storageBytesPerTurn = measured.storageBytesPerTurn?.postgres ?? measured.storageBytesPerTurn?.pglite;
  if (stored && stored.turns > 0) {
    sessionSecondsPerTurn = stored.sessionSeconds / stored.turns;
    storageBytesPerTurn = stored.bytes / stored.turns;
    sources.push(
      `session length and bytes stored per turn: ${stored.sessions} stored session(s) with ${stored.turns} turn(s)`,
    );
  } else if (storageBytesPerTurn !== undefined) {
    sources.push(`bytes stored per turn: the storage benchmark (${USAGE_PRODUCERS.storage})`);
  }
  if (storageBytesPerTurn === undefined)
    throw new InputError(
      `no measure of the bytes a turn takes in storage: run \`${USAGE_PRODUCERS.storage}\` or give --from-storage`,
    );
  const units: TurnUnits = {
    llmInputTokens: 0,
    llmOutputTokens: 0,
    ttsCharacters: setup.ttsCharactersPerTurn,
    asrSeconds: setup.speechSecondsPerTurn,
  };
  if (billed && billed.turns > 0) {
    for (const kind of ['tts', 'asr'] as const) {
      const total = billed[kind];
      if (total > 0) units[kind === 'tts' ? 'ttsCharacters' : 'asrSeconds'] = total / billed.turns;
    }
    units.llmInputTokens = billed.llmInputTokens / billed.turns;
    units.llmOutputTokens = billed.llmOutputTokens / billed.turns;
    sources.push(`provider units per turn: ${billed.turns} turn(s) of ${billed.source}`);
  } else {
    sources.push('TTS characters and recognised speech per turn: the session benchmark');
  }
  if (llm) {
    units.llmInputTokens = llm.input * llm.share;
    units.llmOutputTokens = llm.output * llm.share;
    sources.push(
      `language model: ${llm.input} input and ${llm.output} output tokens on ${(llm.share * 100).toFixed(0)} % of turns`,
    );
  }
  return {
    cpuSecondsPerTurn: setup.cpuSecondsPerTurn,
    sessionSecondsPerTurn,
    rssGiBPerSession: Math.max(0, setup.rssMbPerSession) / 1024,
    idleRssGiB: setup.idleRssMb / 1024,
    bytesSentPerTurn: setup.bytesSentPerTurn,
    replyAudioSecondsPerTurn: setup.replyAudioSecondsPerTurn,
    ...(measured.cpuSecondsPerTurnByHop ? { cpuSecondsByHop: measured.cpuSecondsPerTurnByHop } : {}),
    storageBytesPerTurn,
    units,
    sources,
  };
}

/** Units billed by the providers of a running server and the turns they served (its /metrics). */
export interface BilledUsage {
  source: string;
  turns: number;
  llmInputTokens: number;
  llmOutputTokens: number;
  tts: number;
  asr: number;
}

/**
 * Reads the counters `visemo_provider_usage_total` and `visemo_turns_total` from a server's
 * Prometheus text (`GET /metrics`).
 */
export function billedUsageFromMetrics(text: string, source: string): BilledUsage {
  const usage: BilledUsage = { source, turns: 0, llmInputTokens: 0, llmOutputTokens: 0, tts: 0, asr: 0 };
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^(visemo_provider_usage_total|visemo_turns_total)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    found = true;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === 'visemo_turns_total') {
      usage.turns += value;
      continue;
    }
    const kind = labels.kind;
    if (kind === 'llm' && labels.unit === 'input_tokens') usage.llmInputTokens += value;
    else if (kind === 'llm' && labels.unit === 'output_tokens') usage.llmOutputTokens += value;
    else if (kind === 'tts' && labels.unit === 'characters') usage.tts += value;
    else if (kind === 'asr' && labels.unit === 'audio_seconds') usage.asr += value;
  }
  if (!found)
    throw new InputError(`${source} holds no visemo_turns_total: it is not a Visemo server's /metrics`);
  return usage;
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { MeasuredUsage, SetupUsage } from '../apps/cli/src/cost/measured-usage.js';
import type { CallerTurn } from './session-load.js';

export type { SetupUsage };

/** Beside bench-results.md; `visemo cost --usage` reads it, docs/bench-usage.json is a copy from a full run. */
export const USAGE_FILE = 'bench-usage.json';

/** One setup's usage: the server's CPU and memory and the callers' traffic, per turn and session. */
export function setupUsage(run: {
  setup: string;
  concurrent: number;
  servedAsDefault: boolean;
  records: CallerTurn[];
  cpuSeconds: number;
  wallSeconds: number;
  sessionSeconds: number;
  rssMbPerSession: number;
  idleRssMb: number;
  hopsMsP50: Record<string, number>;
}): SetupUsage {
  const answered = run.records.filter((r) => !r.lost);
  const turns = Math.max(1, answered.length);
  const mean = (pick: (r: CallerTurn) => number) => answered.reduce((n, r) => n + pick(r), 0) / turns;
  return {
    setup: run.setup,
    concurrent: run.concurrent,
    servedAsDefault: run.servedAsDefault,
    turns: answered.length,
    lostTurns: run.records.length - answered.length,
    cpuSecondsPerTurn: run.cpuSeconds / turns,
    coresPerSession: run.cpuSeconds / run.sessionSeconds,
    sessionSecondsPerTurn: run.sessionSeconds / run.records.length,
    rssMbPerSession: run.rssMbPerSession,
    idleRssMb: run.idleRssMb,
    bytesSentPerTurn: mean((r) => r.usage.bytesSent),
    ttsCharactersPerTurn: mean((r) => r.usage.ttsCharacters),
    replyAudioSecondsPerTurn: mean((r) => r.usage.replyAudioSeconds),
    speechSecondsPerTurn: mean((r) => r.usage.speechSeconds),
    hopsMsP50: run.hopsMsP50,
  };
}

/**
 * Writes `part` into the usage file, keeping what other benchmark groups wrote there, and stamps
 * it with the date, host and commit it was measured on.
 */
export function recordUsage(
  part: Partial<Pick<MeasuredUsage, 'sessions' | 'cpuSecondsPerTurnByHop' | 'storageBytesPerTurn'>>,
): void {
  const before = existsSync(USAGE_FILE)
    ? (JSON.parse(readFileSync(USAGE_FILE, 'utf8')) as Partial<MeasuredUsage>)
    : {};
  const cpu = cpus();
  const usage: MeasuredUsage = {
    ...before,
    ...part,
    measuredAt: new Date().toISOString(),
    host: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      loadAverage: loadavg()[0] ?? 0,
    },
    commit: gitCommit(),
  };
  writeFileSync(USAGE_FILE, `${JSON.stringify(usage, null, 2)}\n`);
  process.stderr.write(`  usage for \`visemo cost\` written to ${USAGE_FILE}\n`);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

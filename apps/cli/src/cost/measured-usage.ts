import { z } from 'zod';
import { InputError } from '../args.js';
import { readInputFile } from './input-file.js';

const perHop = z.record(z.string(), z.number());

/** One load setup of the session benchmark: N callers talking at once to one server process. */
export const SetupUsageSchema = z.object({
  setup: z.string(),
  concurrent: z.number().int().positive(),
  /** Run as `visemo serve` runs by default (the sentence cache on). */
  servedAsDefault: z.boolean(),
  turns: z.number().int().nonnegative(),
  lostTurns: z.number().int().nonnegative(),
  /** The server process's CPU time (all threads) over the run, divided by the turns answered. */
  cpuSecondsPerTurn: z.number().nonnegative(),
  /** CPU time over session time: the share of one core a live session keeps busy. */
  coresPerSession: z.number().nonnegative(),
  /** How long a session lasts per turn it holds: speaking, waiting, listening to the answer. */
  sessionSecondsPerTurn: z.number().positive(),
  /** Peak resident memory above the idle server, per session. */
  rssMbPerSession: z.number(),
  /** The server's resident memory before any session. */
  idleRssMb: z.number().nonnegative(),
  bytesSentPerTurn: z.number().nonnegative(),
  ttsCharactersPerTurn: z.number().nonnegative(),
  replyAudioSecondsPerTurn: z.number().nonnegative(),
  speechSecondsPerTurn: z.number().nonnegative(),
  hopsMsP50: perHop,
});
export type SetupUsage = z.infer<typeof SetupUsageSchema>;

/** `bench-usage.json`: what the benchmarks measured that a cost forecast needs. */
export const MeasuredUsageSchema = z.object({
  measuredAt: z.string(),
  host: z.object({
    cpu: z.string(),
    cores: z.number(),
    memoryGiB: z.number(),
    node: z.string(),
    /** The host's one-minute load average when the file was written: other work skews the numbers. */
    loadAverage: z.number().optional(),
  }),
  commit: z.string(),
  sessions: z.array(SetupUsageSchema).optional(),
  /**
   * CPU seconds of one turn by hop, from one session alone, where the embedded hops compute
   * without waiting: each hop's median wall time, and `rest` what is left of the turn's CPU (the
   * VAD and the recognizer on incoming audio, the sentences after the first, protocol, storage).
   */
  cpuSecondsPerTurnByHop: perHop.optional(),
  /** Bytes on disk per stored turn (turn and telemetry rows with their indexes), by backend. */
  storageBytesPerTurn: z
    .object({ pglite: z.number().optional(), postgres: z.number().optional() })
    .optional(),
});
export type MeasuredUsage = z.infer<typeof MeasuredUsageSchema>;

/** The benchmark command that writes each part of the usage file, for errors that name it. */
export const USAGE_PRODUCERS = {
  sessions: 'npm run bench -- --only sessions',
  storage: 'npm run bench -- --only storage',
} as const;

/** Reads and checks a usage file; a missing or malformed one names the command that writes it. */
export async function readMeasuredUsage(file: string): Promise<MeasuredUsage> {
  const text = await readInputFile(
    file,
    'usage file',
    `\`${USAGE_PRODUCERS.sessions}\` writes bench-usage.json`,
  );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = MeasuredUsageSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new InputError(
      `${file} is not a usage file: ${where}: ${issue?.message}; \`${USAGE_PRODUCERS.sessions}\` writes one`,
    );
  }
  return parsed.data;
}

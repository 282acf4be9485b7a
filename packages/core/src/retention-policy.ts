import { z } from 'zod';

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 } as const;
const DURATION = /^(\d+)(h|d|w|y)$/;

/** `"7d"`, `"12h"`, `"2w"`, `"1y"` (365 days), or `"forever"`. */
export const RetentionDurationSchema = z
  .string()
  .regex(/^(forever|\d+(h|d|w|y))$/, 'use a number with h, d, w or y ("7d", "12h", "1y"), or "forever"');
export type RetentionDuration = z.infer<typeof RetentionDurationSchema>;

/** Milliseconds of a duration; `Infinity` for "forever". */
export function retentionMs(duration: RetentionDuration): number {
  if (duration === 'forever') return Number.POSITIVE_INFINITY;
  const match = DURATION.exec(duration);
  if (!match) throw new Error(`not a retention duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * How long one agent keeps each category of data: `privacy.retention` in agent.yaml. Each
 * field counts from the data's own time (a turn's start, a recording's, a memory fact's last update,
 * a session's last activity).
 */
export const RetentionPolicySchema = z.strictObject({
  /** Recordings of the person's voice (only with consent). */
  audio: RetentionDurationSchema.default('7d'),
  /** What was said and answered, and the entities in it (beyond the session only with consent). */
  transcripts: RetentionDurationSchema.default('30d'),
  /** Facts the agent remembers about the person (only with consent). */
  memory: RetentionDurationSchema.default('365d'),
  /** Session metadata and the turns' intents and latencies; removes whatever of the session is left. */
  sessions: RetentionDurationSchema.default('90d'),
  /** Per-turn telemetry without text or subject id. */
  aggregates: RetentionDurationSchema.default('forever'),
  /** A session without activity for this long is ended as abandoned (a client that vanished). */
  idleSession: RetentionDurationSchema.default('1d'),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;
export type RetentionPolicyInput = z.input<typeof RetentionPolicySchema>;
export type RetentionCategory = Exclude<keyof RetentionPolicy, 'idleSession'>;

/** Retention for every agent of a deployment. */
export const RetentionConfigSchema = z.strictObject({
  /** For agents not named in `agents`. */
  default: RetentionPolicySchema.prefault({}),
  /** Per agent name, usually each agent's own agent.yaml section. */
  agents: z.record(z.string(), RetentionPolicySchema).default({}),
  /** The audit log, for every agent. */
  audit: RetentionDurationSchema.default('6y'),
});
export type RetentionConfig = z.infer<typeof RetentionConfigSchema>;
export type RetentionConfigInput = z.input<typeof RetentionConfigSchema>;

export const DEFAULT_RETENTION: RetentionPolicy = RetentionPolicySchema.parse({});

/**
 * agent.yaml's `privacy:` section: the version of the privacy notice visitors consent under (a new
 * version is a new question to them) and how long each category of their data is kept.
 */
export const AgentPrivacySchema = z.strictObject({
  /** The privacy notice's version, recorded with every consent decision (e.g. a date). */
  policyVersion: z.string().trim().min(1).max(64).default('1'),
  retention: RetentionPolicySchema.prefault({}),
});
export type AgentPrivacy = z.infer<typeof AgentPrivacySchema>;

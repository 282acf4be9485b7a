import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, durationMs, RetentionConfigSchema, RetentionPolicySchema } from '../src/index.js';

describe('retention policy', () => {
  it('defaults: audio a week, transcripts a month, memory a year, aggregates forever', () => {
    expect(DEFAULT_RETENTION).toEqual({
      audio: '7d',
      transcripts: '30d',
      memory: '365d',
      sessions: '90d',
      aggregates: 'forever',
      idleSession: '1d',
    });
    expect(RetentionPolicySchema.parse({ audio: '0d' })).toMatchObject({ audio: '0d', transcripts: '30d' });
  });

  it('rejects unknown categories and malformed durations', () => {
    expect(RetentionPolicySchema.safeParse({ transcript: '30d' }).success).toBe(false);
    expect(RetentionPolicySchema.safeParse({ audio: '7 days' }).success).toBe(false);
    expect(RetentionPolicySchema.safeParse({ audio: '-1d' }).success).toBe(false);
  });

  it('reads durations in hours, days, weeks and years', () => {
    expect(durationMs('12h')).toBe(12 * 3_600_000);
    expect(durationMs('2w')).toBe(14 * 86_400_000);
    expect(durationMs('1y')).toBe(365 * 86_400_000);
    expect(durationMs('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('gives every agent the defaults unless it names its own', () => {
    const config = RetentionConfigSchema.parse({ agents: { clinic: { transcripts: '7d' } } });
    expect(config.default).toEqual(DEFAULT_RETENTION);
    expect(config.agents.clinic).toEqual({ ...DEFAULT_RETENTION, transcripts: '7d' });
    expect(config.audit).toBe('6y');
  });
});

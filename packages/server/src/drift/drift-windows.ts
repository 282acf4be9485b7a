import type { TimeWindow } from './drift-report.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const DURATION = /^(\d+)(m|h|d|w)$/;

/** `"30m"`, `"24h"`, `"7d"`, `"2w"` in ms; a RangeError names what is wrong with anything else. */
export function windowDurationMs(text: string): number {
  const match = DURATION.exec(text.trim());
  const amount = Number(match?.[1]);
  if (!match || amount <= 0)
    throw new RangeError(`"${text}" is not a duration: use a whole number with m, h, d or w ("24h", "7d")`);
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * The window `windowMs` long that ends at `until`, and the baseline `baselineMs` long just before
 * it: what the drift job compares.
 */
export function trailingWindows(
  until: Date,
  windowMs: number,
  baselineMs: number,
): { baseline: TimeWindow; current: TimeWindow } {
  const since = new Date(until.getTime() - windowMs);
  return {
    current: { since, until },
    baseline: { since: new Date(since.getTime() - baselineMs), until: since },
  };
}

/**
 * A window given as a duration (ending at `end`) or as `FROM..TO` (ISO 8601 dates or times, `TO`
 * excluded).
 */
export function parseWindow(text: string, end: Date): TimeWindow {
  const range = text.split('..');
  if (range.length === 2) {
    const [since, until] = range.map((part) => new Date(part as string)) as [Date, Date];
    if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime()))
      throw new RangeError(`"${text}" is not a range of two ISO 8601 times (FROM..TO)`);
    if (since >= until) throw new RangeError(`"${text}" ends before it starts`);
    return { since, until };
  }
  return { since: new Date(end.getTime() - windowDurationMs(text)), until: end };
}

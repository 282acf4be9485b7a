import { type PeriodicJob, type Storage, startPeriodicJob } from '@visemo/storage';
import type { Registry } from 'prom-client';
import { DriftGauges } from './drift-gauges.js';
import { measureDrift } from './drift-measure.js';
import type { DriftReport } from './drift-report.js';
import { trailingWindows } from './drift-windows.js';

export interface DriftJobOptions {
  /** Between checks, default one hour. */
  intervalMs?: number;
  /** The current window, default 24 hours. */
  windowMs?: number;
  /** The baseline just before it, default 7 days. */
  baselineMs?: number;
  /** Fewer observations than this in a window give no level (default 30). */
  minCount?: number;
  onReport?: (report: DriftReport) => void;
  onError?: (error: unknown) => void;
}

export const DEFAULT_DRIFT_INTERVAL_MS = 3_600_000;
export const DEFAULT_DRIFT_WINDOW_MS = 86_400_000;
export const DEFAULT_DRIFT_BASELINE_MS = 7 * 86_400_000;

/**
 * Measures the agent's drift on a timer (the first check at once) and shows each report on the
 * registry's `visemo_drift_*` gauges. Checks never overlap; `stop` waits for a running one.
 */
export function startDriftJob(
  storage: Storage,
  agent: string,
  registry: Registry,
  options: DriftJobOptions = {},
): PeriodicJob<DriftReport> {
  const gauges = new DriftGauges(registry);
  const windowMs = options.windowMs ?? DEFAULT_DRIFT_WINDOW_MS;
  const baselineMs = options.baselineMs ?? DEFAULT_DRIFT_BASELINE_MS;
  return startPeriodicJob(
    async () => {
      const report = await measureDrift(storage.telemetry, {
        agent,
        ...trailingWindows(new Date(), windowMs, baselineMs),
        ...(options.minCount === undefined ? {} : { minCount: options.minCount }),
      });
      gauges.update(report);
      return report;
    },
    {
      intervalMs: options.intervalMs ?? DEFAULT_DRIFT_INTERVAL_MS,
      ...(options.onReport ? { onReport: options.onReport } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    },
  );
}

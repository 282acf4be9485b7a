import type { TelemetryStore } from '@visemo/storage';
import { type DriftOptions, type DriftReport, driftReport, type TimeWindow } from './drift-report.js';

export interface DriftQuery extends DriftOptions {
  agent: string;
  baseline: TimeWindow;
  current: TimeWindow;
  /** Split every signal by this flag's variant. */
  byFlag?: string;
}

/** Reads both windows' signals from stored telemetry and compares them. */
export async function measureDrift(telemetry: TelemetryStore, query: DriftQuery): Promise<DriftReport> {
  const { agent, baseline, current, byFlag } = query;
  const split = byFlag ? { byFlag } : {};
  const [baselineSignals, currentSignals] = await Promise.all([
    telemetry.signals({ agent, since: baseline.since, until: baseline.until, ...split }),
    telemetry.signals({ agent, since: current.since, until: current.until, ...split }),
  ]);
  return driftReport(
    { agent, baseline, current, ...split, baselineSignals, currentSignals },
    query.minCount === undefined ? {} : { minCount: query.minCount },
  );
}

import { Gauge, type Registry } from 'prom-client';
import type { DriftLevel, DriftReport } from './drift-report.js';

const LEVEL_VALUE: Record<Exclude<DriftLevel, 'too_few'>, number> = { stable: 0, warn: 1, alert: 2 };

/**
 * The last drift report on /metrics: each signal's PSI and level, and whether any is at alert.
 * A signal with too few observations has no series (absent rather than a made-up 0).
 */
export class DriftGauges {
  private readonly psi: Gauge;
  private readonly level: Gauge;
  private readonly alert: Gauge;
  private readonly checked: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.psi = new Gauge({
      name: 'visemo_drift_psi',
      help: 'Population stability index of each user signal, current window against the baseline',
      labelNames: ['agent', 'signal'],
      registers,
    });
    this.level = new Gauge({
      name: 'visemo_drift_level',
      help: 'Drift level of each signal: 0 stable, 1 warn, 2 alert (PSI 0.1/0.25; rates by z-test)',
      labelNames: ['agent', 'signal'],
      registers,
    });
    this.alert = new Gauge({
      name: 'visemo_drift_alert',
      help: '1 when any user signal drifted to the alert level in the last check',
      labelNames: ['agent'],
      registers,
    });
    this.checked = new Gauge({
      name: 'visemo_drift_checked_timestamp_seconds',
      help: 'When drift was last measured (Unix time)',
      labelNames: ['agent'],
      registers,
    });
  }

  update(report: DriftReport): void {
    const { agent } = report;
    this.psi.reset();
    this.level.reset();
    for (const variant of report.variants) {
      for (const signal of variant.signals) {
        const labels = { agent, signal: signal.signal };
        if (signal.psi !== null) this.psi.set(labels, signal.psi);
        if (signal.level !== 'too_few') this.level.set(labels, LEVEL_VALUE[signal.level]);
      }
    }
    this.alert.set({ agent }, report.alert ? 1 : 0);
    this.checked.set({ agent }, report.generatedAt.getTime() / 1000);
  }
}

import type { DriftReport, SignalDrift } from './drift-report.js';

const HEADER = ['signal', 'baseline', 'current', 'n (base/cur)', 'PSI', 'z', 'level'];

/** A drift report as a table to read: one row per signal, per flag variant. */
export function driftTable(report: DriftReport): string {
  const lines = [
    `drift of ${report.agent}: current ${window(report.current)} against baseline ${window(report.baseline)}`,
  ];
  for (const variant of report.variants) {
    const rows = [HEADER, ...variant.signals.map(row)];
    const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    const line = (cells: string[]) =>
      cells
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ');
    lines.push('');
    if (variant.variant !== null) lines.push(`${report.byFlag} = ${variant.variant}`);
    lines.push(line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const cells of rows.slice(1)) lines.push(line(cells));
  }
  const alerting = report.variants.flatMap((v) =>
    v.signals
      .filter((s) => s.level === 'alert')
      .map((s) => (v.variant === null ? s.signal : `${s.signal} [${v.variant}]`)),
  );
  lines.push(
    '',
    alerting.length > 0 ? `ALERT: ${alerting.join(', ')}` : 'no signal at alert level',
    `levels: distributions by PSI (0.1 warn, 0.25 alert), rates by two-proportion z-test (|z| ≥ 2.58 warn, ≥ 3.29 alert); fewer than ${report.minCount} observations in a window: too few`,
  );
  return `${lines.join('\n')}\n`;
}

function row(signal: SignalDrift): string[] {
  const fixed = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));
  const rate = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
  const [baseline, current, z] =
    signal.kind === 'rate'
      ? [rate(signal.baseline.rate), rate(signal.current.rate), fixed(signal.z, 2)]
      : [mode(signal.baseline.bins), mode(signal.current.bins), ''];
  const counts = `${signal.baseline.n}/${signal.current.n}`;
  return [signal.signal, baseline, current, counts, fixed(signal.psi, 3), z, signal.level];
}

/** A distribution in a cell: its largest bin and that bin's share. */
function mode(bins: { label: string; share: number }[]): string {
  const top = bins.reduce<{ label: string; share: number } | null>(
    (best, bin) => (best === null || bin.share > best.share ? bin : best),
    null,
  );
  return top && top.share > 0 ? `${top.label} ${(top.share * 100).toFixed(0)}%` : '—';
}

function window(w: { since: Date; until: Date }): string {
  return `${w.since.toISOString()} – ${w.until.toISOString()}`;
}

import { escapeXml, FONT } from '../tracing/waterfall-svg.js';
import type { DriftLevel, DriftReport, SignalDrift } from './drift-report.js';

const BASELINE_COLOR = '#9aa5b1';
const CURRENT_COLOR = '#4e79a7';
const LEVEL_COLOR: Record<DriftLevel, string> = {
  stable: '#17693b',
  warn: '#8a4b00',
  alert: '#a4262c',
  too_few: '#6b7280',
};
/** Bins shown per panel: an intent mix of many intents shows its largest. */
const MAX_BINS = 12;
const COLUMNS = 3;
const PANEL_W = 360;
const BAR_H = 9;
const ROW_H = 2 * BAR_H + 6;
const LABEL_W = 120;

/**
 * A drift report as a picture: one panel per signal (per flag variant), baseline and current side
 * by side — each bin's share for a distribution, the rate for a rate — with its PSI and level.
 */
export function driftSvg(report: DriftReport): string {
  const panels = report.variants.flatMap((variant) =>
    variant.signals.map((signal) => ({ variant: variant.variant, signal })),
  );
  const heights = panels.map(({ signal }) => panelHeight(signal));
  const rows: number[] = [];
  for (let i = 0; i < panels.length; i += COLUMNS) rows.push(Math.max(...heights.slice(i, i + COLUMNS)));
  const top = 84;
  const width = COLUMNS * PANEL_W + 40;
  const height = top + rows.reduce((sum, h) => sum + h + 20, 0) + 20;
  const title = `Drift of ${report.agent}'s user signals${report.byFlag ? ` by ${report.byFlag}` : ''}`;
  const span = (w: { since: Date; until: Date }) => `${w.since.toISOString()} – ${w.until.toISOString()}`;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="20" y="28" ${FONT} font-size="18" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="20" y="48" ${FONT} font-size="12" fill="#444">baseline ${escapeXml(span(report.baseline))}; current ${escapeXml(span(report.current))}</text>`,
    `<rect x="20" y="58" width="12" height="10" fill="${BASELINE_COLOR}"/><text x="36" y="67" ${FONT} font-size="12">baseline</text>`,
    `<rect x="100" y="58" width="12" height="10" fill="${CURRENT_COLOR}"/><text x="116" y="67" ${FONT} font-size="12">current</text>`,
    `<text x="190" y="67" ${FONT} font-size="12" fill="#444">PSI bands 0.1 (warn) / 0.25 (alert); rates by two-proportion z-test (|z| 2.58 / 3.29)</text>`,
  ];
  let y = top;
  rows.forEach((rowHeight, r) => {
    for (let c = 0; c < COLUMNS; c++) {
      const panel = panels[r * COLUMNS + c];
      if (!panel) break;
      out.push(drawPanel(panel.signal, panel.variant, 20 + c * PANEL_W, y));
    }
    y += rowHeight + 20;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function bars(signal: SignalDrift): { label: string; baseline: number; current: number }[] {
  if (signal.kind === 'rate') {
    return [{ label: 'rate', baseline: signal.baseline.rate ?? 0, current: signal.current.rate ?? 0 }];
  }
  const rows = signal.baseline.bins.map((bin, i) => ({
    label: bin.label,
    baseline: bin.share,
    current: signal.current.bins[i]?.share ?? 0,
  }));
  if (rows.length <= MAX_BINS) return rows;
  return rows
    .sort((a, b) => Math.max(b.baseline, b.current) - Math.max(a.baseline, a.current))
    .slice(0, MAX_BINS);
}

function panelHeight(signal: SignalDrift): number {
  return 44 + bars(signal).length * ROW_H;
}

function drawPanel(signal: SignalDrift, variant: string | null, x: number, y: number): string {
  const rows = bars(signal);
  const plotW = PANEL_W - LABEL_W - 95;
  const scale = Math.max(0.01, ...rows.flatMap((r) => [r.baseline, r.current]));
  const name = variant === null ? signal.signal : `${signal.signal} [${variant}]`;
  const measure =
    signal.level === 'too_few'
      ? `too few (n ${signal.baseline.n} / ${signal.current.n})`
      : signal.kind === 'rate'
        ? `z ${(signal.z ?? 0).toFixed(2)}, PSI ${(signal.psi ?? 0).toFixed(3)}`
        : `PSI ${(signal.psi ?? 0).toFixed(3)}`;
  const out = [
    `<g>`,
    `<rect x="${x}" y="${y}" width="${PANEL_W - 12}" height="${panelHeight(signal)}" fill="none" stroke="#d5dbe4"/>`,
    `<text x="${x + 8}" y="${y + 17}" ${FONT} font-size="13" font-weight="bold">${escapeXml(shorten(name, 34))}</text>`,
    `<text x="${x + 8}" y="${y + 33}" ${FONT} font-size="12" fill="${LEVEL_COLOR[signal.level]}">${escapeXml(`${signal.level.replace('_', ' ')} · ${measure}`)}</text>`,
  ];
  rows.forEach((row, i) => {
    const rowY = y + 42 + i * ROW_H;
    const w = (share: number) => Math.max(share > 0 ? 1 : 0, (share / scale) * plotW);
    out.push(
      `<text x="${x + LABEL_W}" y="${rowY + BAR_H + 4}" ${FONT} font-size="11" text-anchor="end">${escapeXml(shorten(row.label, 18))}</text>`,
      `<rect x="${x + LABEL_W + 6}" y="${rowY}" width="${w(row.baseline).toFixed(1)}" height="${BAR_H}" fill="${BASELINE_COLOR}"/>`,
      `<rect x="${x + LABEL_W + 6}" y="${rowY + BAR_H}" width="${w(row.current).toFixed(1)}" height="${BAR_H}" fill="${CURRENT_COLOR}"/>`,
      `<text x="${x + LABEL_W + 10 + w(Math.max(row.baseline, row.current))}" y="${rowY + BAR_H + 4}" ${FONT} font-size="10" fill="#444">${percent(row.baseline)} → ${percent(row.current)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

function percent(share: number): string {
  const value = share * 100;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}%`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A forecast as a picture: on the left the month's cost by line, stacked, at several traffic
 * levels around the one asked about; on the right the vCPUs needed and provisioned against
 * sessions at once, with the peak marked. An SVG, so it needs nothing to draw.
 */
import { escapeXml } from '../viseme-track-svg.js';

export interface CostBar {
  /** e.g. "2,000 / day". */
  label: string;
  /** The traffic asked about, drawn in bold. */
  asked: boolean;
  /** Amount by cost line, in the order the legend lists them. */
  amounts: number[];
}

export interface CapacityPoint {
  concurrent: number;
  /** Cores the sessions keep busy. */
  busyCores: number;
  /** vCPUs at the target utilisation. */
  vcpusNeeded: number;
  /** vCPUs of the replicas that hold them. */
  vcpusProvisioned: number;
}

export interface CostPicture {
  title: string;
  caption: string;
  currency: string;
  lines: string[];
  bars: CostBar[];
  curve: CapacityPoint[];
  peak: { concurrent: number; replicas: number; vcpus: number };
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#edc948', '#9c755f'];
const FONT = 'font-family="DejaVu Sans, sans-serif"';
const WIDTH = 1100;
const HEIGHT = 540;
const TOP = 90;
const BOTTOM = HEIGHT - 110;

export function renderCostSvg(p: CostPicture): string {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<title>${escapeXml(p.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="20" y="28" ${FONT} font-size="18" font-weight="bold">${escapeXml(p.title)}</text>`,
    `<text x="20" y="50" ${FONT} font-size="13" fill="#444">${escapeXml(p.caption)}</text>`,
    ...costBars(p, 90, 520),
    ...capacityChart(p, 660, 1070),
  ];
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function costBars(p: CostPicture, left: number, right: number): string[] {
  const totals = p.bars.map((b) => b.amounts.reduce((n, a) => n + a, 0));
  const { max, step } = axis(Math.max(...totals, 1e-9));
  const y = (v: number) => BOTTOM - (v / max) * (BOTTOM - TOP);
  const out = [
    `<text x="${left}" y="${TOP - 18}" ${FONT} font-size="14" font-weight="bold">Cost per month (${escapeXml(p.currency)})</text>`,
  ];
  for (let v = 0; v <= max + step / 2; v += step) {
    out.push(
      `<line x1="${left}" y1="${y(v)}" x2="${right}" y2="${y(v)}" stroke="#e6e6e6"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" ${FONT} font-size="11" text-anchor="end" fill="#444">${money(v)}</text>`,
    );
  }
  const slot = (right - left) / p.bars.length;
  const barW = Math.min(56, slot * 0.6);
  p.bars.forEach((bar, i) => {
    const cx = left + slot * (i + 0.5);
    let base = 0;
    bar.amounts.forEach((amount, k) => {
      if (amount <= 0) return;
      const top = y(base + amount);
      out.push(
        `<rect x="${cx - barW / 2}" y="${top}" width="${barW}" height="${y(base) - top}" fill="${COLORS[k % COLORS.length]}"/>`,
      );
      base += amount;
    });
    const weight = bar.asked ? ' font-weight="bold"' : '';
    out.push(
      `<text x="${cx}" y="${y(base) - 5}" ${FONT} font-size="11" text-anchor="middle"${weight}>${money(base)}</text>`,
      `<text x="${cx}" y="${BOTTOM + 16}" ${FONT} font-size="11" text-anchor="middle"${weight}>${escapeXml(bar.label)}</text>`,
    );
  });
  out.push(
    `<text x="${(left + right) / 2}" y="${BOTTOM + 34}" ${FONT} font-size="12" text-anchor="middle" fill="#444">sessions per day</text>`,
  );
  // The legend flows in rows under the axis title, as wide as the chart and its axis labels.
  let lx = 20;
  let ly = BOTTOM + 52;
  p.lines.forEach((line, k) => {
    const w = 30 + line.length * 6.5;
    if (lx + w > right + 40 && lx > 20) {
      lx = 20;
      ly += 16;
    }
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[k % COLORS.length]}"/>`,
      `<text x="${lx + 14}" y="${ly}" ${FONT} font-size="11">${escapeXml(line)}</text>`,
    );
    lx += w;
  });
  return out;
}

function capacityChart(p: CostPicture, left: number, right: number): string[] {
  const maxX = Math.max(...p.curve.map((c) => c.concurrent), 1);
  const { max, step } = axis(Math.max(...p.curve.map((c) => Math.max(c.vcpusProvisioned, c.vcpusNeeded)), 1));
  const x = (v: number) => left + (v / maxX) * (right - left);
  const y = (v: number) => BOTTOM - (v / max) * (BOTTOM - TOP);
  const xAxis = axis(maxX);
  const out = [
    `<text x="${left}" y="${TOP - 18}" ${FONT} font-size="14" font-weight="bold">vCPUs against sessions at once</text>`,
  ];
  for (let v = 0; v <= max + step / 2; v += step) {
    out.push(
      `<line x1="${left}" y1="${y(v)}" x2="${right}" y2="${y(v)}" stroke="#e6e6e6"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" ${FONT} font-size="11" text-anchor="end" fill="#444">${trim(v)}</text>`,
    );
  }
  for (let v = 0; v <= maxX + xAxis.step / 2; v += xAxis.step) {
    out.push(
      `<text x="${x(v)}" y="${BOTTOM + 16}" ${FONT} font-size="11" text-anchor="middle" fill="#444">${trim(v)}</text>`,
    );
  }
  out.push(
    `<text x="${(left + right) / 2}" y="${BOTTOM + 34}" ${FONT} font-size="12" text-anchor="middle" fill="#444">concurrent sessions</text>`,
  );
  const path = (pick: (c: CapacityPoint) => number, stepped: boolean) =>
    p.curve
      .map((c, i) => {
        const prev = p.curve[i - 1];
        const at = `${x(c.concurrent).toFixed(1)},${y(pick(c)).toFixed(1)}`;
        if (i === 0) return `M${at}`;
        // Provisioned capacity jumps a whole replica at a time.
        return stepped && prev
          ? `L${x(c.concurrent).toFixed(1)},${y(pick(prev)).toFixed(1)} L${at}`
          : `L${at}`;
      })
      .join(' ');
  out.push(
    `<path d="${path((c) => c.vcpusProvisioned, true)}" fill="none" stroke="#4e79a7" stroke-width="2.5"/>`,
    `<path d="${path((c) => c.vcpusNeeded, false)}" fill="none" stroke="#e15759" stroke-width="2"/>`,
    `<path d="${path((c) => c.busyCores, false)}" fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="5,4"/>`,
  );
  const px = x(p.peak.concurrent);
  out.push(
    `<line x1="${px}" y1="${TOP}" x2="${px}" y2="${BOTTOM}" stroke="#c0392b" stroke-dasharray="3,3"/>`,
    // Left of the line when the label would run off the chart.
    `<text x="${px > (left + right) / 2 ? px - 4 : px + 4}" y="${TOP + 12}" ${FONT} font-size="11" fill="#c0392b" text-anchor="${px > (left + right) / 2 ? 'end' : 'start'}">peak ${p.peak.concurrent}: ${p.peak.replicas} replica(s), ${trim(p.peak.vcpus)} vCPUs</text>`,
  );
  const legend: [string, string, string][] = [
    ['#4e79a7', '', 'provisioned (whole replicas)'],
    ['#e15759', '', 'needed at the target utilisation'],
    ['#555', ' stroke-dasharray="5,4"', 'cores the sessions keep busy'],
  ];
  legend.forEach(([color, dash, label], k) => {
    const ly = BOTTOM + 50 + k * 16;
    out.push(
      `<line x1="${left}" y1="${ly - 4}" x2="${left + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${left + 28}" y="${ly}" ${FONT} font-size="11">${escapeXml(label)}</text>`,
    );
  });
  return out;
}

/** An axis maximum and gridline step on the 1–2–5 series, about five gridlines. */
export function axis(value: number): { max: number; step: number } {
  const raw = value / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  return { max: Math.ceil(value / step - 1e-9) * step, step };
}

const trim = (v: number) => String(Number(v.toPrecision(6)));
const money = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en') : trim(Number(v.toFixed(2))));

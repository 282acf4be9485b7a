/**
 * A turn's hops as a picture, one bar per hop on a shared time axis from the moment the VAD
 * decided the person had finished: the voice-session benchmark draws each hop's median laid end to
 * end with a whisker to its p95, `visemo trace` one traced turn with each span where it started
 * (`p50` = `p95` = its duration). An SVG, so it needs nothing to draw.
 */

export interface WaterfallHop {
  name: string;
  p50: number;
  p95: number;
  /** Where the bar starts, in ms; absent, it starts where the previous hop's median ended. */
  startMs?: number;
  /** The bar's palette index; default its row's. */
  colorIndex?: number;
}

export interface WaterfallSetup {
  /** e.g. "10 sessions (sentence cache)". */
  label: string;
  /** In the order they happen. */
  hops: WaterfallHop[];
  /** Speech end → first audio byte, as the server measured it (drawn from 0, in grey). */
  total: WaterfallHop;
  /** What the caller measured from its last frame of speech (the end-of-turn silence included), p50. */
  callerP50?: number;
}

const HOP_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#b07aa1',
  '#edc948',
  '#9c755f',
  '#bab0ac',
];
const TOTAL_COLOR = '#555555';
export const FONT = 'font-family="DejaVu Sans, sans-serif"';

export const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const ms = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

/**
 * `scaleMs` is the right edge of the time axis; longer bars are cut there and carry their value.
 * `targets` are drawn as dashed vertical lines (e.g. the p50 and p95 goals).
 */
export function renderWaterfall(
  setups: WaterfallSetup[],
  options: {
    title: string;
    scaleMs: number;
    targets?: { ms: number; label: string }[];
    /** The line under the title that says what the bars are. */
    caption?: string;
    /** The picture's width (default 1100) and its label column's (default 300), in px. */
    width?: number;
    labelWidth?: number;
  },
): string {
  const caption =
    options.caption ??
    "bars: median of each hop, laid end to end from the VAD's end of speech; whiskers: the hop's p95";
  const width = options.width ?? 1100;
  const left = options.labelWidth ?? 300;
  const right = 90;
  const plotW = width - left - right;
  const rowH = 24;
  const gap = 26;
  const top = 70;
  const blockH = (s: WaterfallSetup) => (s.hops.length + 1) * rowH + gap + 18;
  const height = top + setups.reduce((sum, s) => sum + blockH(s), 0) + 40;
  const x = (value: number) => left + (Math.min(value, options.scaleMs) / options.scaleMs) * plotW;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="20" y="28" ${FONT} font-size="18" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<text x="20" y="50" ${FONT} font-size="13" fill="#444">${escapeXml(caption)}</text>`,
  );
  // Time axis with gridlines every tick.
  const tick = niceTick(options.scaleMs);
  const axisBottom = height - 40;
  for (let t = 0; t <= options.scaleMs + 1e-9; t += tick) {
    out.push(
      `<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${axisBottom}" stroke="#e6e6e6"/>`,
      `<text x="${x(t)}" y="${axisBottom + 16}" ${FONT} font-size="12" text-anchor="middle" fill="#444">${t} ms</text>`,
    );
  }
  for (const target of options.targets ?? []) {
    out.push(
      `<line x1="${x(target.ms)}" y1="${top - 6}" x2="${x(target.ms)}" y2="${axisBottom}" stroke="#c0392b" stroke-dasharray="5,4"/>`,
      `<text x="${x(target.ms) + 4}" y="${top - 10}" ${FONT} font-size="12" fill="#c0392b">${escapeXml(target.label)}</text>`,
    );
  }
  let y = top;
  for (const setup of setups) {
    const caller =
      setup.callerP50 === undefined
        ? ''
        : ` — the caller hears the answer ${ms(setup.callerP50)} ms (p50) after its last frame of speech, the end-of-turn silence included`;
    out.push(
      `<text x="20" y="${y + 14}" ${FONT} font-size="14"><tspan font-weight="bold">${escapeXml(setup.label)}</tspan>${escapeXml(caller)}</text>`,
    );
    y += 22;
    let start = 0;
    setup.hops.forEach((hop, i) => {
      const at = hop.startMs ?? start;
      const color = HOP_COLORS[(hop.colorIndex ?? i) % HOP_COLORS.length] as string;
      out.push(...bar(hop, at, y, color));
      start = at + hop.p50;
      y += rowH;
    });
    out.push(...bar(setup.total, 0, y, TOTAL_COLOR));
    y += rowH + gap;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;

  function bar(hop: WaterfallHop, start: number, rowY: number, color: string): string[] {
    const x0 = x(start);
    const x1 = Math.max(x(start + hop.p50), x0 + 1.5);
    const cut = start + hop.p50 > options.scaleMs;
    const parts = [
      `<text x="${left - 10}" y="${rowY + 15}" ${FONT} font-size="12" text-anchor="end">${escapeXml(shorten(hop.name))}</text>`,
      `<rect x="${x0}" y="${rowY + 4}" width="${x1 - x0}" height="${rowH - 8}" fill="${color}"/>`,
    ];
    const whiskerEnd = x(start + hop.p95);
    if (hop.p95 > hop.p50)
      parts.push(
        `<line x1="${x1}" y1="${rowY + rowH / 2}" x2="${whiskerEnd}" y2="${rowY + rowH / 2}" stroke="${color}" stroke-width="1.5"/>`,
        `<line x1="${whiskerEnd}" y1="${rowY + 7}" x2="${whiskerEnd}" y2="${rowY + rowH - 7}" stroke="${color}" stroke-width="1.5"/>`,
      );
    const figures = hop.p95 === hop.p50 ? ms(hop.p50) : `${ms(hop.p50)} / ${ms(hop.p95)}`;
    const label = `${figures} ms${cut || start + hop.p95 > options.scaleMs ? ' →' : ''}`;
    parts.push(
      `<text x="${Math.min(whiskerEnd, left + plotW) + 6}" y="${rowY + 15}" ${FONT} font-size="11" fill="#333" stroke="white" stroke-width="3" paint-order="stroke">${label}</text>`,
    );
    return parts;
  }
}

/** The label column has room for about 40 characters. */
function shorten(name: string): string {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

function niceTick(scale: number): number {
  for (const step of [10, 20, 25, 50, 100, 200, 250, 500, 1000]) if (scale / step <= 8) return step;
  return Math.ceil(scale / 8);
}

import type { HairStyle, Palette } from '../look.js';
import { textureContext } from './canvas.js';
import { headPoint, hexRgb } from './head.js';
import { lerp, smoothstep } from './math.js';

const DEG = Math.PI / 180;

/**
 * Where the hair ends, as an elevation (degrees) for each azimuth (degrees, 0 = front, + = the
 * character's left): a side-swept fringe, tucked behind the ears, a chin-length bob at the back.
 */
const BOB_EDGE: readonly [number, number][] = [
  [-180, -40],
  [-140, -40],
  [-122, -36],
  [-110, -10],
  [-100, 14],
  [-88, 22],
  [-68, 28],
  [-45, 36],
  [-26, 42],
  [-8, 36],
  [12, 32],
  [32, 30],
  [50, 27],
  [64, 25],
  [78, 24],
  [90, 22],
  [100, 14],
  [110, -10],
  [122, -36],
  [140, -40],
  [180, -40],
];

/** A short cut: a hairline off the forehead, clear above the ears, tapered at the nape. */
const SHORT_EDGE: readonly [number, number][] = [
  [-180, -22],
  [-140, -20],
  [-115, 0],
  [-100, 14],
  [-88, 22],
  [-70, 30],
  [-45, 38],
  [-20, 42],
  [0, 44],
  [20, 42],
  [45, 38],
  [70, 30],
  [88, 22],
  [100, 14],
  [115, 0],
  [140, -20],
  [180, -22],
];

/** Per style: where the hair ends, and how thick it is against the bob's volume. */
const STYLES: Record<
  HairStyle,
  { edge: readonly [number, number][]; volume: number; crown: number; taper: number }
> = {
  bob: { edge: BOB_EDGE, volume: 1, crown: 0.04, taper: 0 },
  // Short hair stands up a little above the forehead and thins out towards the nape and the
  // sides (a tapered cut); without both it reads as a cap.
  short: { edge: SHORT_EDGE, volume: 0.75, crown: 0.1, taper: 0.7 },
};

function edgeAt(edges: readonly [number, number][], az: number): number {
  for (let i = 0; i < edges.length - 1; i++) {
    const [a0, e0] = edges[i] as [number, number];
    const [a1, e1] = edges[i + 1] as [number, number];
    if (az >= a0 && az <= a1) {
      const t = (az - a0) / (a1 - a0);
      return lerp(e0, e1, t * t * (3 - 2 * t));
    }
  }
  return -40;
}

const COLUMNS = 160;
const ROWS = 48;
/** Rows past the edge curl back towards the head, giving the hair a rounded, thick rim. */
const RIM = 1.18;

export function hairGeometryData(
  palette: Palette,
  style: HairStyle = 'bob',
  jaw = 0.5,
): { positions: Float32Array; colors: Float32Array; uvs: Float32Array; index: number[] } {
  const { edge: edges, volume, crown, taper } = STYLES[style];
  const uvs = new Float32Array((COLUMNS + 1) * (ROWS + 1) * 2);
  const positions = new Float32Array((COLUMNS + 1) * (ROWS + 1) * 3);
  const colors = new Float32Array((COLUMNS + 1) * (ROWS + 1) * 3);
  const dark = hexRgb(palette.hair);
  const light = hexRgb(palette.hairLight);
  for (let i = 0; i <= COLUMNS; i++) {
    const azDeg = -180 + (360 * i) / COLUMNS;
    const az = azDeg * DEG;
    const front = Math.max(0, Math.cos(az));
    // Clumped tips: the edge dips a little between strands.
    const clump = (1 - Math.abs(Math.sin(az * 12))) ** 4;
    const edge = (edgeAt(edges, azDeg) - 2.5 * clump * (1 - front) ** 2) * DEG;
    for (let j = 0; j <= ROWS; j++) {
      const s = (j / ROWS) * RIM;
      const past = Math.max(0, s - 1) / (RIM - 1);
      const el = lerp(90 * DEG, edge, Math.min(s, 1)) - past * 7 * DEG;
      const dx = Math.cos(el) * Math.sin(az);
      const dy = Math.sin(el);
      const dz = Math.cos(el) * Math.cos(az);
      const [hx, hy, hz] = headPoint(dx, dy, dz, jaw);
      const low = smoothstep(10 * DEG, -40 * DEG, el);
      // Volume: thicker at the back and sides, flaring out towards the bob's ends, thin at the fringe.
      let thick = lerp(0.1, 0.055, front ** 2) + (0.05 + 0.07 * low) * (1 - front) * Math.min(1, s) ** 1.4;
      // Strand grooves, faded out towards the edge where the hair is thin.
      thick +=
        0.012 *
        Math.sin(az * 26 + s * 3) *
        Math.min(1, s) *
        (1 - 0.7 * front) *
        (1 - smoothstep(0.7, 0.95, s));
      // The rim rounds off but stays clear of the skin: sinking into it would leave a jagged line.
      thick += crown * Math.exp(-(((el - 62 * DEG) / (24 * DEG)) ** 2)) * (0.35 + 0.65 * front);
      thick *= 1 - taper * smoothstep(0.45, 1, s) * (1 - front ** 2);
      // Broad lumps of hair break the outline, which a smooth shell would draw as a helmet.
      thick += 0.014 * volume * Math.sin(az * 5 + 1.3) * Math.sin(el * 3 + 0.4) * Math.min(1, s * 2);
      thick = Math.max(0.02, volume * thick * (Math.cos((past * Math.PI) / 2) * 0.6 + 0.4));
      // Tucked behind the ears, so they show.
      const nearEar = Math.exp(-(((Math.abs(azDeg) - 98) / 16) ** 2)) * smoothstep(25 * DEG, 5 * DEG, el);
      thick *= 1 - 0.75 * nearEar;
      const r = Math.hypot(hx, hy, hz);
      const k = (r + thick) / r;
      const idx = (j * (COLUMNS + 1) + i) * 3;
      uvs[(j * (COLUMNS + 1) + i) * 2] = i / COLUMNS;
      uvs[(j * (COLUMNS + 1) + i) * 2 + 1] = j / ROWS;
      positions[idx] = hx * k;
      positions[idx + 1] = hy * k;
      positions[idx + 2] = hz * k;
      // Darker at the roots and in the grooves, lighter towards the ends.
      const shade = smoothstep(0.1, 1, Math.min(s, 1)) * 0.8 + 0.1 * Math.sin(az * 26);
      // The rim's underside is in its own shadow, which gives the fringe a visible thickness.
      const under = 1 - 0.55 * smoothstep(1, RIM, s);
      colors.set(
        [
          lerp(dark[0], light[0], shade) * under,
          lerp(dark[1], light[1], shade) * under,
          lerp(dark[2], light[2], shade) * under,
        ],
        idx,
      );
    }
  }
  const index: number[] = [];
  for (let j = 0; j < ROWS; j++) {
    for (let i = 0; i < COLUMNS; i++) {
      const a = j * (COLUMNS + 1) + i;
      const b = a + COLUMNS + 1;
      index.push(a, b, a + 1, b, b + 1, a + 1);
    }
  }
  return { positions, colors, uvs, index };
}

/**
 * Strands as a grey texture multiplied over the hair's colours: thin light and dark streaks running
 * from the crown to the ends (u around the head, v from the crown), deterministic.
 */
export function drawHairTexture(canvas: HTMLCanvasElement): void {
  const w = 1024;
  const h = 256;
  const g = textureContext(canvas, w, h);
  if (!g) return;
  g.fillStyle = '#d8d8d8';
  g.fillRect(0, 0, w, h);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let k = 0; k < 2600; k++) {
    const x = random() * w;
    const light = random() < 0.45;
    const a = 0.08 + random() * 0.22;
    g.strokeStyle = light ? `rgba(255,255,255,${a})` : `rgba(0,0,0,${a * 1.2})`;
    g.lineWidth = 0.6 + random() * 1.6;
    g.beginPath();
    const start = random() * h * 0.3;
    g.moveTo(x, start);
    // Strands drift a little sideways as they fall.
    g.bezierCurveTo(
      x + (random() - 0.5) * 8,
      h * 0.4,
      x + (random() - 0.5) * 14,
      h * 0.7,
      x + (random() - 0.5) * 18,
      h,
    );
    g.stroke();
  }
}

import { cssColour, mixHex, type Palette } from '../look.js';
import { textureContext } from './canvas.js';
import { hexRgb } from './head.js';
import { LAYOUT } from './layout.js';
import { lerp, mixRgb, smoothstep } from './math.js';

/** Lid edge elevations (radians above the eye's centre line) at the middle of the eye. */
export interface LidParams {
  upper: number;
  lower: number;
}

/** At rest the upper lid covers the top of the iris and the lower lid meets its bottom, as in adults. */
export const LID_REST: Readonly<LidParams> = { upper: 0.36, lower: -0.44 };
export const LID_BLINK: Readonly<LidParams> = { upper: -0.3, lower: -0.28 };
export const LID_WIDE: Readonly<LidParams> = { upper: 0.7, lower: -0.56 };
export const LID_SQUINT: Readonly<LidParams> = { upper: 0.16, lower: -0.2 };
export const LID_CHEEK: Readonly<LidParams> = { upper: 0.3, lower: -0.24 };

/** Azimuth half-range of the lids (radians around the eye). */
const SPAN = 1.3;
const COLS = 29;
const UPPER_ROWS = 10;
const LOWER_ROWS = 7;
const CREASE_UP = 1.2;
const CREASE_DOWN = -0.95;
const UPPER_RADIUS = 1.09;
const LOWER_RADIUS = 1.035;
/** Rows per eye: upper lid rows + margin, lower lid rows + margin, lash wing (2 rows). */
const ROWS = UPPER_ROWS + 1 + LOWER_ROWS + 1 + 2;
export const LID_VERTICES_PER_EYE = COLS * ROWS;

export interface LidTopology {
  index: number[];
  colors: Float32Array;
  count: number;
}

/** Both eyes' lids in one mesh: left eye's vertices first, then the right eye's. */
export function lidTopology(
  palette: Palette,
  lashes = true,
  /** Eye shadow on the upper lids, 0..1. */
  makeup = 0,
): LidTopology {
  const index: number[] = [];
  const colors = new Float32Array(LID_VERTICES_PER_EYE * 2 * 3);
  const skin = hexRgb(palette.skin);
  const shadow = hexRgb(palette.skinShadow);
  // Without a lash line the lid's edge is only a little darker than the skin.
  const lash = lashes ? hexRgb(palette.lash) : mixRgb(skin, hexRgb(palette.lash), 0.55);
  const pink = mixRgb(skin, hexRgb(0xe39a92), 0.6);
  const eyeShadow = hexRgb(mixHex(palette.skinShadow, 0x6e4a58, 0.55));
  for (let eye = 0; eye < 2; eye++) {
    const base = eye * LID_VERTICES_PER_EYE;
    const strip = (row0: number, rows: number, flip: boolean) => {
      for (let j = 0; j < rows - 1; j++) {
        for (let i = 0; i < COLS - 1; i++) {
          const a = base + (row0 + j) * COLS + i;
          const b = a + COLS;
          if (flip) index.push(a, b, a + 1, b, b + 1, a + 1);
          else index.push(a, a + 1, b, b, a + 1, b + 1);
        }
      }
    };
    // Upper lid: rows crease → edge → margin; wound to face outwards.
    strip(0, UPPER_ROWS + 1, eye === 0);
    strip(UPPER_ROWS + 1, LOWER_ROWS + 1, eye === 1);
    strip(UPPER_ROWS + 1 + LOWER_ROWS + 1, 2, eye === 1);
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < COLS; i++) {
        let c = skin;
        if (r < UPPER_ROWS + 1) {
          const t = r / UPPER_ROWS;
          // A dark lash line along the upper lid's edge, and a soft crease shadow above it.
          c = t > 0.8 ? lash : mixRgb(skin, shadow, smoothstep(0.3, 0.75, t) * 0.5);
          if (t <= 0.8) c = mixRgb(c, eyeShadow, makeup * 0.6 * smoothstep(0.15, 0.8, t));
        } else if (r < UPPER_ROWS + 1 + LOWER_ROWS + 1) {
          const t = (r - UPPER_ROWS - 1) / LOWER_ROWS;
          c = t > 0.85 ? pink : mixRgb(skin, shadow, smoothstep(0.5, 0.85, t) * 0.35);
        } else c = lash;
        colors.set(c, (base + r * COLS + i) * 3);
      }
    }
  }
  return { index, colors, count: LID_VERTICES_PER_EYE * 2 };
}

/** Eye centre in head space for side +1 (the character's left) or -1. */
export function eyeCentre(side: 1 | -1, surfaceZ: number): [number, number, number] {
  const r = LAYOUT.eye.radius;
  return [side * LAYOUT.eye.x, LAYOUT.eye.y, surfaceZ - r + LAYOUT.eyeProtrusion];
}

function point(c: [number, number, number], radius: number, az: number, el: number, side: number) {
  return [
    c[0] + side * radius * Math.sin(az) * Math.cos(el),
    c[1] + radius * Math.sin(el),
    c[2] + radius * Math.cos(az) * Math.cos(el),
  ] as const;
}

/**
 * Lid positions for both eyes. Azimuth is measured towards the outer corner; the upper edge arches
 * up in the middle and tilts up at the outer corner, the lower edge dips in the middle.
 */
export function lidPositions(
  left: LidParams,
  right: LidParams,
  centres: { left: [number, number, number]; right: [number, number, number] },
  /** Length of the lash wing at the outer corner (1 = drawn lashes, near 0 = none). */
  wing = 1,
): Float32Array {
  const out = new Float32Array(LID_VERTICES_PER_EYE * 2 * 3);
  const re = LAYOUT.eye.radius;
  for (let eye = 0; eye < 2; eye++) {
    const side = eye === 0 ? 1 : -1;
    const c = eye === 0 ? centres.left : centres.right;
    const p = eye === 0 ? left : right;
    const base = eye * LID_VERTICES_PER_EYE;
    for (let i = 0; i < COLS; i++) {
      const a = -SPAN + (2 * SPAN * i) / (COLS - 1);
      const n = a / SPAN;
      const arch = Math.cos((n * Math.PI) / 2);
      const upperEdge = p.upper - 0.28 * (1 - arch) + 0.06 * Math.max(0, n);
      const lowerEdge = p.lower + 0.22 * (1 - arch) + 0.04 * Math.max(0, n);
      // Where the lids meet (closed), the upper lid goes no lower than the lower lid's edge + overlap.
      const up = Math.max(upperEdge, Math.min(lowerEdge, upperEdge) - 0.02);
      for (let r = 0; r <= UPPER_ROWS; r++) {
        let q: readonly number[];
        if (r < UPPER_ROWS) {
          const el = lerp(CREASE_UP, up, r / (UPPER_ROWS - 1));
          q = point(c, re * UPPER_RADIUS, a, el, side);
        } else q = point(c, re * 1.01, a, up - 0.02, side);
        out.set(q, (base + r * COLS + i) * 3);
      }
      for (let r = 0; r <= LOWER_ROWS; r++) {
        let q: readonly number[];
        if (r < LOWER_ROWS) {
          const el = lerp(CREASE_DOWN, lowerEdge, r / (LOWER_ROWS - 1));
          q = point(c, re * LOWER_RADIUS, a, el, side);
        } else q = point(c, re * 1.01, a, lowerEdge + 0.02, side);
        out.set(q, (base + (UPPER_ROWS + 1 + r) * COLS + i) * 3);
      }
      // Lash wing: grows from the upper edge towards the outer corner, flicking up and out.
      const grow = wing * smoothstep(0.15, 0.9, n) * (1 - smoothstep(0.97, 1, n) * 0.6);
      const root = point(c, re * UPPER_RADIUS, a, up, side);
      const tip = point(c, re * (UPPER_RADIUS + 0.32 * grow), a + 0.12 * grow, up + 0.05 + 0.08 * grow, side);
      const rowRoot = UPPER_ROWS + 1 + LOWER_ROWS + 1;
      out.set(root, (base + rowRoot * COLS + i) * 3);
      out.set(tip, (base + (rowRoot + 1) * COLS + i) * 3);
    }
  }
  return out;
}

/** Interpolates lid parameters (used for blink in-betweens). */
export function lidLerp(a: LidParams, b: LidParams, t: number): LidParams {
  return { upper: lerp(a.upper, b.upper, t), lower: lerp(a.lower, b.lower, t) };
}

/**
 * The eyeball's texture, drawn on a canvas: rows run from the front pole (pupil) to the back, so
 * a sphere whose pole faces forward shows a round iris.
 */
export function drawEyeTexture(canvas: HTMLCanvasElement, palette: Palette): void {
  const w = 256;
  const h = 512;
  const g = textureContext(canvas, w, h);
  if (!g) return;
  const rowOf = (angle: number) => (angle / Math.PI) * h;
  const pupil = rowOf(0.2);
  const iris = rowOf(0.5);
  g.fillStyle = '#fbfaf7';
  g.fillRect(0, 0, w, h);
  const sclera = g.createLinearGradient(0, iris, 0, h);
  sclera.addColorStop(0, '#fbfaf7');
  sclera.addColorStop(0.25, '#f2eeea');
  sclera.addColorStop(1, '#d9c8c4');
  g.fillStyle = sclera;
  g.fillRect(0, iris, w, h - iris);
  const irisGradient = g.createLinearGradient(0, pupil, 0, iris);
  irisGradient.addColorStop(0, cssColour(palette.irisDark));
  irisGradient.addColorStop(0.35, cssColour(palette.iris));
  irisGradient.addColorStop(0.75, cssColour(mixHex(palette.iris, 0xffffff, 0.3)));
  irisGradient.addColorStop(0.9, cssColour(mixHex(palette.iris, palette.irisDark, 0.6)));
  irisGradient.addColorStop(1, cssColour(mixHex(palette.irisDark, 0x000000, 0.3)));
  g.fillStyle = irisGradient;
  g.fillRect(0, pupil, w, iris - pupil);
  // Radial streaks of the iris (vertical lines in this projection).
  for (let x = 0; x < w; x += 3) {
    const k = Math.sin(x * 1.7) * 0.5 + Math.sin(x * 0.37) * 0.5;
    g.fillStyle = k > 0 ? `rgba(180, 230, 235, ${0.12 * k})` : `rgba(10, 40, 50, ${-0.18 * k})`;
    g.fillRect(x, pupil + 2, 2, (iris - pupil) * (0.6 + 0.3 * Math.abs(Math.sin(x))));
  }
  g.fillStyle = '#0d0f12';
  g.fillRect(0, 0, w, pupil);
}

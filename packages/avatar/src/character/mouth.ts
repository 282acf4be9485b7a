import type { Palette } from '../look.js';
import { MOUTH_HALF_WIDTH, type MouthParams, type MouthSlice, mouthSlice } from '../mouth-model.js';
import { hexRgb, jawAngleForDrop, rotateJaw } from './head.js';
import { LAYOUT } from './layout.js';
import { lerp } from './math.js';
import type { FrontSurface } from './surface.js';

/** Grid resolution: slices across the mouth, rows per lip / cavity / teeth. */
const NU = 41;
const LIP_ROWS = 7;
const CAVITY_ROWS = 5;
const TEETH_ROWS = 3;
const TONGUE_ROWS = 4;

export interface Part {
  index: number[];
  colors: Float32Array;
  count: number;
}

export interface MouthTopology {
  lips: Part;
  cavity: Part;
  teeth: Part;
  tongue: Part;
}

export interface MouthPositions {
  lips: Float32Array;
  cavity: Float32Array;
  teeth: Float32Array;
  tongue: Float32Array;
}

function grid(columns: number, rows: number, offset: number, index: number[]): void {
  for (let j = 0; j < rows - 1; j++) {
    for (let i = 0; i < columns - 1; i++) {
      const a = offset + j * columns + i;
      const b = a + columns;
      index.push(a, a + 1, b, b, a + 1, b + 1);
    }
  }
}

function rowColors(columns: number, rows: number, color: (v: number, u: number) => [number, number, number]) {
  const out = new Float32Array(columns * rows * 3);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const c = color(j / (rows - 1), -1 + (2 * i) / (columns - 1));
      out.set(c, (j * columns + i) * 3);
    }
  }
  return out;
}

function mix(a: number, b: number, t: number): [number, number, number] {
  const x = hexRgb(a);
  const y = hexRgb(b);
  return [lerp(x[0], y[0], t), lerp(x[1], y[1], t), lerp(x[2], y[2], t)];
}

export function mouthTopology(palette: Palette): MouthTopology {
  const lipsIndex: number[] = [];
  grid(NU, LIP_ROWS, 0, lipsIndex);
  // The lower lip's rows run outer→inner so both lips wind the same way.
  grid(NU, LIP_ROWS, NU * LIP_ROWS, lipsIndex);
  const lipColor = (v: number) => {
    // v = 0 at the inner edge, 1 at the outer edge, which fades into the skin.
    if (v < 0.25) return mix(palette.lipDark, palette.lip, v / 0.25);
    return mix(palette.lip, palette.skin, ((v - 0.25) / 0.75) ** 2.2);
  };
  const upper = rowColors(NU, LIP_ROWS, (v) => lipColor(v));
  const lower = rowColors(NU, LIP_ROWS, (v) => lipColor(1 - v));
  const lipColors = new Float32Array(upper.length * 2);
  lipColors.set(upper, 0);
  lipColors.set(lower, upper.length);

  const cavityIndex: number[] = [];
  grid(NU, CAVITY_ROWS, 0, cavityIndex);
  const cavityColors = rowColors(NU, CAVITY_ROWS, (v, u) =>
    mix(palette.mouthInside, palette.mouthInsideLight, v * 0.8 * (1 - u * u)),
  );

  const teethIndex: number[] = [];
  grid(NU, TEETH_ROWS, 0, teethIndex);
  grid(NU, TEETH_ROWS, NU * TEETH_ROWS, teethIndex);
  const upperTeeth = rowColors(NU, TEETH_ROWS, (v, u) =>
    mix(0xb9aea3, palette.teeth, Math.min(1, v * 1.6) * (1 - 0.3 * u * u)),
  );
  const lowerTeeth = rowColors(NU, TEETH_ROWS, (v, u) => mix(palette.teeth, 0xa99e94, v * 0.8 + 0.2 * u * u));
  const teethColors = new Float32Array(upperTeeth.length * 2);
  teethColors.set(upperTeeth, 0);
  teethColors.set(lowerTeeth, upperTeeth.length);

  const tongueIndex: number[] = [];
  grid(NU, TONGUE_ROWS, 0, tongueIndex);
  const tongueColors = rowColors(NU, TONGUE_ROWS, (v) => mix(0x8e3440, palette.tongue, v));

  return {
    lips: { index: lipsIndex, colors: lipColors, count: NU * LIP_ROWS * 2 },
    cavity: { index: cavityIndex, colors: cavityColors, count: NU * CAVITY_ROWS },
    teeth: { index: teethIndex, colors: teethColors, count: NU * TEETH_ROWS * 2 },
    tongue: { index: tongueIndex, colors: tongueColors, count: NU * TONGUE_ROWS },
  };
}

/**
 * The 3D mouth against the shared mouth model: an adult's mouth is wider and its lips fuller than
 * the 2D face's, whose proportions are stylised.
 */
const SCALE_X = 1.3;
const SCALE_Y = 1.3;

function slice(p: MouthParams, u: number): MouthSlice {
  const s = mouthSlice(p, u);
  return {
    x: s.x * SCALE_X,
    upperOuter: s.upperOuter * SCALE_Y,
    upperInner: s.upperInner * SCALE_Y,
    lowerInner: s.lowerInner * SCALE_Y,
    lowerOuter: s.lowerOuter * SCALE_Y,
    jawFollow: s.jawFollow,
  };
}

interface Point {
  x: number;
  y: number;
  z: number;
}

/**
 * Mouth geometry for one set of mouth parameters. The lips lie on the face; the lower lip turns
 * with the jaw. Cavity, teeth and tongue fill the opening between the inner lip lines and are drawn
 * without depth testing, under the lips, so they never poke through the skin.
 */
export function mouthPositions(p: MouthParams, surface: FrontSurface): MouthPositions {
  const centreZ = surface.z(0, LAYOUT.mouthY);
  const jaw = jawAngleForDrop(p.gap * p.jawShare, centreZ);
  const lips = new Float32Array(NU * LIP_ROWS * 2 * 3);
  const cavity = new Float32Array(NU * CAVITY_ROWS * 3);
  const teeth = new Float32Array(NU * TEETH_ROWS * 2 * 3);
  const tongue = new Float32Array(NU * TONGUE_ROWS * 3);
  const put = (arr: Float32Array, k: number, q: Point) => {
    arr[k * 3] = q.x;
    arr[k * 3 + 1] = q.y;
    arr[k * 3 + 2] = q.z;
  };
  const onFace = (x: number, y: number, lift: number, follow: number): Point => {
    const Y = LAYOUT.mouthY + y;
    const Z = surface.z(x, Y) + lift;
    if (follow === 0 || jaw === 0) return { x, y: Y, z: Z };
    const [ry, rz] = rotateJaw(Y, Z, jaw * follow);
    return { x, y: ry, z: rz };
  };
  const innerEdges = (u: number) => {
    const s = slice(p, u);
    const upper = onFace(s.x, s.upperInner, 0.004, 0);
    const lower = onFace(s.x, s.lowerInner, 0.004, s.jawFollow);
    return { s, upper, lower };
  };

  for (let i = 0; i < NU; i++) {
    const u = -1 + (2 * i) / (NU - 1);
    const s = slice(p, u);
    const round = Math.sqrt(Math.max(0, 1 - u * u));
    const forward = 0.06 * p.pucker * (1 - u * u);
    for (let j = 0; j < LIP_ROWS; j++) {
      const v = j / (LIP_ROWS - 1);
      // Lips bulge most a third of the way out from the inner edge and meet the skin flat.
      const bulge = Math.sin(Math.PI * Math.min(1, 0.25 + v * 0.75)) ** 0.8;
      const upperLift = 0.003 + (0.022 * (1 + 0.6 * p.pucker) * bulge + forward * (1 - v)) * round;
      put(lips, j * NU + i, onFace(s.x, lerp(s.upperInner, s.upperOuter, v), upperLift, 0));
      const lowerLift =
        0.003 + (0.028 * (1 + 0.5 * p.pucker) * bulge + forward * (1 - v) - 0.012 * p.tuck) * round;
      const row = LIP_ROWS - 1 - j;
      put(
        lips,
        NU * LIP_ROWS + row * NU + i,
        onFace(s.x, lerp(s.lowerInner, s.lowerOuter, v), lowerLift, s.jawFollow),
      );
    }
  }

  for (let i = 0; i < NU; i++) {
    const u = -1 + (2 * i) / (NU - 1);
    const { upper, lower } = innerEdges(u);
    for (let j = 0; j < CAVITY_ROWS; j++) {
      const t = j / (CAVITY_ROWS - 1);
      put(cavity, j * NU + i, {
        x: lerp(upper.x, lower.x, t),
        y: lerp(upper.y, lower.y, t),
        z: lerp(upper.z, lower.z, t) - 0.02 * Math.sin(Math.PI * t),
      });
    }
    // Teeth are narrower than the mouth and shorter towards the sides.
    const ut = u * 0.8;
    const e = innerEdges(ut);
    const side = 1 - 0.35 * ut * ut;
    const upperTop = e.upper.y + 0.008;
    const upperBottom = Math.max(e.lower.y + 0.003, e.upper.y - 0.058 * p.teeth * side);
    const lowerBottom = e.lower.y - 0.008;
    const lowerTop = Math.min(e.upper.y - 0.003, e.lower.y + 0.04 * p.lowerTeeth * side);
    const zAt = (y: number) => {
      const k = (e.upper.y - y) / Math.max(1e-4, e.upper.y - e.lower.y);
      return lerp(e.upper.z, e.lower.z, Math.min(1, Math.max(0, k)));
    };
    const x = e.s.x;
    for (let j = 0; j < TEETH_ROWS; j++) {
      const t = j / (TEETH_ROWS - 1);
      const yu = lerp(upperTop, upperBottom, t);
      put(teeth, j * NU + i, { x, y: yu, z: zAt(yu) - 0.004 });
      const yl = lerp(lowerTop, lowerBottom, t);
      put(teeth, NU * TEETH_ROWS + j * NU + i, { x, y: yl, z: zAt(yl) - 0.006 });
    }
    const ug = u * 0.62;
    const g = innerEdges(ug);
    const tongueTop = Math.min(
      g.upper.y - 0.01,
      g.lower.y + (0.018 + 0.075 * p.tongue) * Math.sqrt(1 - u * u),
    );
    for (let j = 0; j < TONGUE_ROWS; j++) {
      const t = j / (TONGUE_ROWS - 1);
      const y = lerp(g.lower.y - 0.01, tongueTop, t);
      const k = (g.upper.y - y) / Math.max(1e-4, g.upper.y - g.lower.y);
      put(tongue, j * NU + i, {
        x: g.s.x,
        y,
        z: lerp(g.upper.z, g.lower.z, Math.min(1, Math.max(0, k))) - 0.012,
      });
    }
  }
  return { lips, cavity, teeth, tongue };
}

/** The mouth's half-width at rest, for placing things near its corners. */
export const MOUTH_CORNER_X = MOUTH_HALF_WIDTH * SCALE_X;

import { LAYOUT } from './layout.js';
import { lerp } from './math.js';
import type { FrontSurface } from './surface.js';

/** Brow offsets in face units: raise of the inner and outer ends, overall lowering, inner pull. */
export interface BrowParams {
  inner: number;
  outer: number;
  down: number;
  pull: number;
}

export const BROW_REST: Readonly<BrowParams> = { inner: 0, outer: 0, down: 0, pull: 0 };

const SEGMENTS = 24;
const RING = 8;
export const BROW_VERTICES_PER_SIDE = (SEGMENTS + 1) * RING;

export function browTopology(): { index: number[]; count: number } {
  const index: number[] = [];
  for (let side = 0; side < 2; side++) {
    const base = side * BROW_VERTICES_PER_SIDE;
    for (let s = 0; s < SEGMENTS; s++) {
      for (let k = 0; k < RING; k++) {
        const a = base + s * RING + k;
        const b = base + s * RING + ((k + 1) % RING);
        const c = a + RING;
        const d = b + RING;
        if (side === 0) index.push(a, c, b, b, c, d);
        else index.push(a, b, c, b, d, c);
      }
    }
  }
  return { index, count: BROW_VERTICES_PER_SIDE * 2 };
}

/** Brow centre line point at s (0 inner end .. 1 outer end), before projection onto the face. */
function browLine(p: BrowParams, s: number, side: number): [number, number] {
  const x = side * (0.15 - p.pull + (0.36 + p.pull) * s);
  const arch = 0.055 * Math.sin(Math.PI * Math.min(1, s * 1.05) ** 0.8) - 0.035 * s;
  const y = LAYOUT.browY + arch + p.inner * (1 - s) ** 1.5 + p.outer * s ** 1.5 - p.down * (1 - 0.4 * s);
  return [x, y];
}

export function browPositions(
  left: BrowParams,
  right: BrowParams,
  surface: FrontSurface,
  /** Thickness against the default brow. */
  weight = 1,
): Float32Array {
  const out = new Float32Array(BROW_VERTICES_PER_SIDE * 2 * 3);
  for (let sideIndex = 0; sideIndex < 2; sideIndex++) {
    const side = sideIndex === 0 ? 1 : -1;
    const p = sideIndex === 0 ? left : right;
    for (let i = 0; i <= SEGMENTS; i++) {
      const s = i / SEGMENTS;
      const [x, y] = browLine(p, s, side);
      const [x2, y2] = browLine(p, Math.min(1, s + 0.01), side);
      const [x1, y1] = browLine(p, Math.max(0, s - 0.01), side);
      let tx = x2 - x1;
      let ty = y2 - y1;
      const len = Math.hypot(tx, ty) || 1;
      tx /= len;
      ty /= len;
      // Thick at the inner end, tapering to a point at the outer end; rounded at the inner end.
      const thick =
        0.058 *
        weight *
        lerp(1, 0.28, s) *
        Math.min(1, Math.sqrt(s / 0.06 + 0.05)) *
        Math.min(1, (1 - s) / 0.05 + 0.15);
      const z = surface.z(x, y) + 0.016;
      for (let k = 0; k < RING; k++) {
        const a = (k / RING) * Math.PI * 2;
        const nx = -ty * side;
        const ny = tx * side;
        const off = (Math.cos(a) * thick) / 2;
        // Flat rather than round: brows are hair lying on the skin, not a tube standing on it.
        const q = [x + nx * off, y + ny * off, z + Math.sin(a) * 0.005];
        out.set(q, (sideIndex * BROW_VERTICES_PER_SIDE + i * RING + k) * 3);
      }
    }
  }
  return out;
}

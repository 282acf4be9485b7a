import type { Palette } from '../look.js';
import { LAYOUT } from './layout.js';
import { lerp, smoothstep } from './math.js';

export interface HeadTopology {
  index: number[];
  colors: Float32Array;
  /** Rest positions. */
  rest: Float32Array;
  count: number;
}

function gauss(dx: number, dy: number, sx: number, sy: number): number {
  return Math.exp(-((dx / sx) ** 2) - (dy / sy) ** 2);
}

/** A point of the head's surface for a unit direction: an egg-shaped skull with a narrower jaw. */
export function headPoint(dx: number, dy: number, dz: number): [number, number, number] {
  let x = dx * 0.9;
  let y = dy * 1.06;
  let z = dz * 0.96;
  const low = smoothstep(0.05, -0.95, dy);
  const front = Math.max(0, dz);
  // Jaw and chin narrow towards the bottom; the back of the skull is fuller.
  x *= 1 - 0.24 * low * (0.6 + 0.4 * front);
  if (dz < 0) z *= 1.08 - 0.1 * low;
  else z *= 1 - 0.1 * low;
  z += 0.07 * low * front ** 2;
  if (dy < 0) y *= 0.9;
  // Fuller cheeks below the eyes.
  const cheek = gauss(Math.abs(dx) - 0.52, dy + 0.28, 0.22, 0.2) * front;
  x += 0.03 * cheek * Math.sign(dx);
  z += 0.035 * cheek;
  // Eye sockets: a shallow dip where the eyeballs sit.
  const socket = gauss(Math.abs(dx) - LAYOUT.eye.x, dy - LAYOUT.eye.y, 0.17, 0.12) * front;
  z -= 0.05 * socket;
  // A soft brow ridge and a flatter forehead.
  z += 0.02 * gauss(Math.abs(dx) - 0.3, dy - 0.3, 0.25, 0.08) * front;
  z -= 0.02 * smoothstep(0.4, 0.85, dy) * front;
  // A slight fullness above the upper lip (the muzzle of stylised faces).
  z += 0.025 * gauss(dx, dy + 0.42, 0.3, 0.16) * front;
  return [x, y, z];
}

/** Rest geometry of the head: a finely divided sphere pushed into shape by `headPoint`. */
export function headTopology(
  palette: Palette,
  /** A shadow of stubble on the jaw and upper lip, 0..1. */
  stubble = 0,
  widthSegments = 112,
  heightSegments = 88,
): HeadTopology {
  const count = (widthSegments + 1) * (heightSegments + 1);
  const rest = new Float32Array(count * 3);
  const colors = new Float32Array(count * 3);
  const skin = hexRgb(palette.skin);
  const blush = hexRgb(palette.blush);
  const shadow = hexRgb(palette.hair);
  let k = 0;
  for (let j = 0; j <= heightSegments; j++) {
    const v = j / heightSegments;
    const theta = v * Math.PI;
    for (let i = 0; i <= widthSegments; i++) {
      const u = i / widthSegments;
      // Seam at the back (phi = ±pi), front at phi = 0.
      const phi = (u - 0.5) * 2 * Math.PI;
      const dx = Math.sin(theta) * Math.sin(phi);
      const dy = Math.cos(theta);
      const dz = Math.sin(theta) * Math.cos(phi);
      const [x, y, z] = headPoint(dx, dy, dz);
      rest[k * 3] = x;
      rest[k * 3 + 1] = y;
      rest[k * 3 + 2] = z;
      const b = gauss(Math.abs(dx) - 0.5, dy + 0.2, 0.16, 0.11) * Math.max(0, dz) * 0.55;
      // Stubble: the jaw below the cheeks and the upper lip, fading out towards the ears.
      const jaw = smoothstep(-0.25, -0.55, dy) * Math.max(0, dz) ** 0.6;
      const s = stubble * 0.35 * jaw;
      for (let c = 0; c < 3; c++) {
        colors[k * 3 + c] = lerp(lerp(skin[c] as number, blush[c] as number, b), shadow[c] as number, s);
      }
      k++;
    }
  }
  const index: number[] = [];
  for (let j = 0; j < heightSegments; j++) {
    for (let i = 0; i < widthSegments; i++) {
      const a = j * (widthSegments + 1) + i;
      const b = a + widthSegments + 1;
      if (j !== 0) index.push(a, b, a + 1);
      if (j !== heightSegments - 1) index.push(b, b + 1, a + 1);
    }
  }
  return { index, colors, rest, count };
}

/**
 * How much of the jaw's rotation a point of the skin follows, from its rest position: all of it
 * below the mouth line, none above, with a band that widens towards the cheeks so they stretch.
 */
export function jawMask(x: number, y: number, z: number): number {
  const side = Math.max(0, Math.abs(x) - 0.19);
  const boundary = LAYOUT.mouthY - 0.55 * side;
  const band = 0.018 + 0.32 * side;
  return smoothstep(boundary + band, boundary - band, y) * smoothstep(-0.5, -0.05, z);
}

/** Rotates (y, z) about the jaw hinge by `angle` radians; positive opens the mouth. */
export function rotateJaw(y: number, z: number, angle: number): [number, number] {
  const ry = y - LAYOUT.jawHinge.y;
  const rz = z - LAYOUT.jawHinge.z;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [LAYOUT.jawHinge.y + ry * c - rz * s, LAYOUT.jawHinge.z + ry * s + rz * c];
}

/** Jaw rotation that lowers the lower lip's centre by `drop` face units. */
export function jawAngleForDrop(drop: number, lipZ: number): number {
  const lever = lipZ - LAYOUT.jawHinge.z;
  return drop / lever;
}

export interface HeadShape {
  jaw: number;
  cheekL: number;
  cheekR: number;
}

export function headPositions(topology: HeadTopology, shape: HeadShape): Float32Array {
  const out = new Float32Array(topology.rest);
  for (let k = 0; k < topology.count; k++) {
    const x = topology.rest[k * 3] as number;
    const y = topology.rest[k * 3 + 1] as number;
    const z = topology.rest[k * 3 + 2] as number;
    let ny = y;
    let nz = z;
    if (shape.jaw !== 0) {
      const m = jawMask(x, y, z);
      if (m > 0) [ny, nz] = rotateJaw(y, z, shape.jaw * m);
    }
    const cheek = x >= 0 ? shape.cheekL : shape.cheekR;
    if (cheek !== 0 && z > 0) {
      const g = gauss(Math.abs(x) - 0.36, y + 0.3, 0.14, 0.12);
      ny += 0.03 * cheek * g;
      nz += 0.022 * cheek * g;
    }
    out[k * 3 + 1] = ny;
    out[k * 3 + 2] = nz;
  }
  return out;
}

export function hexRgb(hex: number): [number, number, number] {
  // Vertex colours are in linear space in three.js; convert from sRGB.
  const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return [
    toLinear(((hex >> 16) & 255) / 255),
    toLinear(((hex >> 8) & 255) / 255),
    toLinear((hex & 255) / 255),
  ];
}

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

/**
 * A point of the head's surface for a unit direction: an adult skull (longer than wide, a jaw that
 * narrows to a defined chin) with the face sculpted on its front: brow ridge, eye sockets,
 * cheekbones, nose, the fullness around the mouth and the chin.
 */
export function headPoint(dx: number, dy: number, dz: number, jaw = 0.5): [number, number, number] {
  const front = Math.max(0, dz);
  const low = smoothstep(0.1, -0.95, dy);
  let x = dx * 0.8;
  const y = dy * (dy > 0 ? 1.1 : 1.02);
  let z = dz * (dz < 0 ? 0.98 : 0.9);
  // The jaw narrows towards the chin; the back of the skull stays full.
  x *= 1 - lerp(0.3, 0.16, jaw) * low ** lerp(1, 1.6, jaw) * (0.55 + 0.45 * front);
  // The angle of the jaw below the ears: a broad jaw keeps the face wide down to it.
  x *= 1 + jaw * 0.22 * gauss(dy + 0.66, 0, 0.2, 1) * (0.3 + 0.7 * front);
  // The lower face comes forward into a flatter face plane instead of following the sphere.
  z += 0.15 * low * front ** 2.5;
  z += face(x, y) * smoothstep(0.25, 0.75, dz);
  // Cheekbones also widen the face a little below the eyes.
  x += 0.035 * gauss(Math.abs(x) - 0.6, y + 0.08, 0.16, 0.16) * Math.sign(x) * front;
  return [x, y, z];
}

/** Relief of the face on top of the skull, in face units along z, at a point (x, y) of the front. */
function face(x: number, y: number): number {
  const ax = Math.abs(x);
  let z = 0;
  // Forehead slopes back above a soft brow ridge.
  z -= 0.03 * smoothstep(0.35, 0.85, y);
  z += 0.035 * gauss(ax - 0.26, y - LAYOUT.browY + 0.02, 0.24, 0.07);
  // Eye sockets, deepest towards the nose.
  z -= 0.085 * gauss(ax - LAYOUT.eye.x + 0.02, y - LAYOUT.eye.y, 0.15, 0.1);
  // Cheekbones, and the soft hollow under them.
  z += 0.04 * gauss(ax - 0.46, y + 0.14, 0.16, 0.1);
  z -= 0.02 * gauss(ax - 0.56, y + 0.45, 0.14, 0.16);
  // Nose: a bridge that rises from between the eyes to a rounded tip, wings either side of it.
  const tipY = LAYOUT.noseY;
  const along = smoothstep(0.16, tipY + 0.02, y) * smoothstep(tipY - 0.12, tipY - 0.02, y);
  const width = lerp(0.04, 0.07, smoothstep(0.1, tipY, y));
  z += 0.25 * along ** 1.4 * gauss(x, 0, width, 1);
  z += 0.065 * gauss(x, y - tipY, 0.065, 0.05);
  z += 0.06 * gauss(ax - 0.1, y - tipY + 0.05, 0.045, 0.04);
  // Upper lip and its groove (philtrum), the fullness of the mouth, the crease above the chin.
  z += 0.05 * gauss(x, y - LAYOUT.mouthY, 0.3, 0.12);
  z -= 0.012 * gauss(x, y - LAYOUT.mouthY - 0.09, 0.025, 0.05);
  z -= 0.025 * gauss(x, y - LAYOUT.mouthY + 0.17, 0.16, 0.04);
  // Chin.
  z += 0.05 * gauss(x, y - LAYOUT.mouthY + 0.33, 0.16, 0.1);
  return z;
}

/** Column angle around the head: columns crowd at the front, where the face needs detail. */
function warpPhi(u: number): number {
  const s = 2 * u - 1;
  return (Math.PI * (s + 1.6 * s ** 3)) / 2.6;
}

/** Row angle from the top: rows crowd between the brows and the chin. */
function warpTheta(v: number): number {
  const c = 0.62;
  const b = 0.62;
  return Math.PI * (v - (b / (2 * Math.PI)) * (Math.sin(2 * Math.PI * (v - c)) + Math.sin(2 * Math.PI * c)));
}

/** Rest geometry of the head: a finely divided sphere pushed into shape by `headPoint`. */
export function headTopology(
  palette: Palette,
  /** A shadow of stubble on the jaw and upper lip, 0..1. */
  stubble = 0,
  /** 0 a narrow jaw and pointed chin .. 1 a broad, square jaw. */
  jaw = 0.5,
  widthSegments = 144,
  heightSegments = 108,
): HeadTopology {
  const count = (widthSegments + 1) * (heightSegments + 1);
  const rest = new Float32Array(count * 3);
  const colors = new Float32Array(count * 3);
  const skin = hexRgb(palette.skin);
  const blush = hexRgb(palette.blush);
  const shade = hexRgb(palette.skinShadow);
  const shadow = hexRgb(palette.hair);
  let k = 0;
  for (let j = 0; j <= heightSegments; j++) {
    const theta = warpTheta(j / heightSegments);
    for (let i = 0; i <= widthSegments; i++) {
      // Seam at the back (phi = ±pi), front at phi = 0.
      const phi = warpPhi(i / widthSegments);
      const dx = Math.sin(theta) * Math.sin(phi);
      const dy = Math.cos(theta);
      const dz = Math.sin(theta) * Math.cos(phi);
      const [x, y, z] = headPoint(dx, dy, dz, jaw);
      rest[k * 3] = x;
      rest[k * 3 + 1] = y;
      rest[k * 3 + 2] = z;
      const front = Math.max(0, dz);
      const ax = Math.abs(x);
      // Warmth on the cheeks, the nose tip and the ears; shade in the sockets and under the jaw.
      const warm =
        0.3 * gauss(ax - 0.42, y + 0.2, 0.15, 0.11) * front +
        0.35 * gauss(x, y - LAYOUT.noseY, 0.07, 0.06) +
        0.25 * gauss(ax - 0.75, y + 0.05, 0.08, 0.25) * (1 - front);
      const dark =
        0.35 * gauss(ax - LAYOUT.eye.x - 0.04, y - LAYOUT.eye.y - 0.07, 0.12, 0.06) * front +
        0.3 * smoothstep(-0.85, -1.05, y) * (1 - 0.8 * front) +
        0.2 * gauss(ax - 0.07, y - LAYOUT.noseY + 0.08, 0.025, 0.015) +
        // Where light reaches less: beside the nose, the eyes' inner corners, under the lower lip.
        0.25 * gauss(ax - 0.12, y - 0.02, 0.05, 0.09) * front +
        0.2 * gauss(x, y - LAYOUT.mouthY + 0.16, 0.14, 0.035) +
        0.15 * gauss(ax - 0.3, y - LAYOUT.mouthY - 0.05, 0.06, 0.12) * front;
      // Stubble: the jaw below the cheeks and the upper lip, fading out towards the ears.
      const beard = smoothstep(-0.28, -0.6, y) * front ** 0.6 + gauss(x, y - LAYOUT.mouthY - 0.1, 0.2, 0.04);
      const s = stubble * 0.32 * Math.min(1, beard);
      for (let c = 0; c < 3; c++) {
        const base = lerp(lerp(skin[c] as number, blush[c] as number, warm), shade[c] as number, dark);
        colors[k * 3 + c] = lerp(base, shadow[c] as number, s);
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
  const side = Math.max(0, Math.abs(x) - 0.25);
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
      const g = gauss(Math.abs(x) - 0.4, y + 0.22, 0.15, 0.13);
      // The cheeks rise and round under the eyes, as in a real (Duchenne) smile.
      ny += 0.045 * cheek * g;
      nz += 0.035 * cheek * g;
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

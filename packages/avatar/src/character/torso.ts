import { LatheGeometry, SplineCurve, Vector2 } from 'three';
import { type AvatarLook, cssColour, mixHex } from '../look.js';
import { textureContext } from './canvas.js';
import { lerp, smoothstep } from './math.js';

/** Height (in the chest's frame) of the neckline, and how deep the jacket's V opens below it. */
export const NECKLINE_Y = 0.4;
const V_BOTTOM = -0.75;

/** Half-width of the jacket's V opening at height y (0 below the V's point). */
function vHalfWidth(y: number, neck: number): number {
  if (y < V_BOTTOM) return 0;
  const t = (y - V_BOTTOM) / (NECKLINE_Y - V_BOTTOM);
  return neck * 0.95 * t ** 0.85;
}

/** The torso's profile from the bottom up: (radius, height) in the chest's frame. */
function torsoProfile(look: AvatarLook): Vector2[] {
  const { shoulders, neck } = look.body;
  const control = [
    [neck + 0.03, NECKLINE_Y],
    [neck + 0.16, NECKLINE_Y - 0.06],
    [0.8, 0.24],
    [1.3 * (shoulders / 2), 0.1],
    [shoulders * 0.86, -0.04],
    [shoulders * 0.98, -0.3],
    [shoulders, -0.7],
    [shoulders * 0.98, -1.3],
    [shoulders * 0.95, -2.7],
  ].map(([x, y]) => new Vector2(x as number, y as number));
  // LatheGeometry faces outwards when the profile runs bottom to top.
  return new SplineCurve(control).getPoints(40).reverse();
}

/**
 * Shoulders and upper chest in a jacket, as a lathe squashed front to back: a round neckline that
 * wraps the neck, sloping shoulders, a flat chest; its seam at the back. Vertex colours shade the
 * jacket darker towards the bottom; the texture (`drawClothes`) draws the V, the lapels and what
 * shows in the V. Targets: `shrug` lifts the shoulders (more at their tips than at the neck).
 */
export function torsoData(look: AvatarLook): {
  index: number[];
  rest: Float32Array;
  shrug: Float32Array;
  colors: Float32Array;
  uvs: Float32Array;
} {
  const { shoulders, neck } = look.body;
  const lathe = new LatheGeometry(torsoProfile(look), 80, Math.PI);
  const positions = lathe.getAttribute('position');
  const count = positions.count;
  const rest = new Float32Array(count * 3);
  const shrug = new Float32Array(count * 3);
  const colors = new Float32Array(count * 3);
  for (let k = 0; k < count; k++) {
    const x = positions.getX(k);
    const y = positions.getY(k);
    // Flat chest (z × 0.55) but a round neckline that wraps the neck.
    const round = smoothstep(0.05, NECKLINE_Y, y);
    const z = positions.getZ(k) * (0.55 + 0.45 * round);
    rest.set([x, y, z], k * 3);
    // Shrug: the shoulders' tips rise most; the neckline barely moves, the chest below not at all.
    const tip = smoothstep(neck + 0.1, shoulders * 0.85, Math.abs(x)) * smoothstep(-1.2, -0.1, y);
    shrug.set([x * (1 + 0.02 * tip), y + 0.16 * tip + 0.03 * round, z], k * 3);
    const g = 1 - 0.22 * smoothstep(-0.6, -2.4, y);
    colors.set([g, g, g], k * 3);
  }
  const index = Array.from(lathe.getIndex()?.array ?? []);
  const uvs = Float32Array.from(lathe.getAttribute('uv').array);
  lathe.dispose();
  return { index, rest, shrug, colors, uvs };
}

/**
 * The clothes' texture in the lathe's uv space (u around from the back, 0.5 at the front; v up the
 * profile): jacket, the V with its lapels, and a shirt or the skin of an open neckline inside it.
 */
export function drawClothes(canvas: HTMLCanvasElement, look: AvatarLook): void {
  const w = 1024;
  const h = 512;
  const g = textureContext(canvas, w, h);
  if (!g) return;
  const { palette } = look;
  const profile = torsoProfile(look);
  g.fillStyle = cssColour(palette.shirt);
  g.fillRect(0, 0, w, h);
  // Canvas row → profile point (the texture is flipped: row 0 is v = 1, the neckline).
  const at = (row: number) => {
    const f = (1 - row / h) * (profile.length - 1);
    const i = Math.min(profile.length - 2, Math.floor(f));
    const a = profile[i] as Vector2;
    const b = profile[i + 1] as Vector2;
    return { r: lerp(a.x, b.x, f - i), y: lerp(a.y, b.y, f - i) };
  };
  const uOf = (x: number, r: number) => 0.5 + Math.asin(Math.min(1, x / r)) / (2 * Math.PI);
  const band = (inner: (y: number) => number, outer: (y: number) => number, colour: string) => {
    const left: [number, number][] = [];
    const right: [number, number][] = [];
    for (let row = 0; row <= h; row += 2) {
      const { r, y } = at(row);
      const a = inner(y);
      const b = outer(y);
      if (b <= a) continue;
      left.push([uOf(a, r) * w, row], [uOf(b, r) * w, row]);
      right.push([(1 - uOf(a, r)) * w, row], [(1 - uOf(b, r)) * w, row]);
    }
    for (const side of [left, right]) {
      if (side.length < 4) continue;
      g.beginPath();
      const inners = side.filter((_, k) => k % 2 === 0);
      const outers = side.filter((_, k) => k % 2 === 1).reverse();
      for (const [k, [x, y]] of [...inners, ...outers].entries()) {
        if (k === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      g.closePath();
      g.fillStyle = colour;
      g.fill();
    }
  };
  const v = (y: number) => vHalfWidth(y, look.body.neck);
  const lapel = (y: number) =>
    y < V_BOTTOM - 0.3 ? v(y) : v(y) + 0.28 * smoothstep(V_BOTTOM - 0.3, V_BOTTOM + 0.3, y);
  const inside = look.clothing === 'shirt' ? palette.undershirt : palette.skin;
  // The V: from the centre line out to its edge.
  band(() => -0.001, v, cssColour(inside));
  // Lapels: lighter cloth with a dark outer edge line and a bright fold at the V.
  band(v, lapel, cssColour(mixHex(palette.shirt, palette.shirtLight, 0.5)));
  band((y) => lapel(y) - 0.025, lapel, cssColour(palette.collar));
  band(v, (y) => v(y) + 0.02, cssColour(mixHex(palette.shirtLight, 0xffffff, 0.15)));
  if (look.clothing === 'shirt') {
    // The shirt's placket: a faint line down the middle.
    band(
      () => -0.001,
      (y) => Math.min(v(y), 0.008),
      cssColour(mixHex(palette.undershirt, 0x000000, 0.12)),
    );
  }
}

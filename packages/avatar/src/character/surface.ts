/**
 * The front of a mesh as a height field: z (towards the camera) for any (x, y), found by
 * rasterising the mesh's triangles once. Features that sit on the face (lips, brows, nose) are
 * placed with it, so they follow the head's shape without ray casts.
 */
export class FrontSurface {
  private readonly depth: Float32Array;

  constructor(
    positions: ArrayLike<number>,
    index: ArrayLike<number>,
    private readonly min = -1.3,
    private readonly max = 1.3,
    private readonly size = 320,
  ) {
    this.depth = new Float32Array(size * size).fill(Number.NEGATIVE_INFINITY);
    const cell = (max - min) / (size - 1);
    for (let t = 0; t < index.length; t += 3) {
      const a = (index[t] as number) * 3;
      const b = (index[t + 1] as number) * 3;
      const c = (index[t + 2] as number) * 3;
      const ax = positions[a] as number;
      const ay = positions[a + 1] as number;
      const az = positions[a + 2] as number;
      const bx = positions[b] as number;
      const by = positions[b + 1] as number;
      const bz = positions[b + 2] as number;
      const cx = positions[c] as number;
      const cy = positions[c + 1] as number;
      const cz = positions[c + 2] as number;
      const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
      if (Math.abs(area) < 1e-12) continue;
      const i0 = Math.max(0, Math.floor((Math.min(ax, bx, cx) - min) / cell));
      const i1 = Math.min(size - 1, Math.ceil((Math.max(ax, bx, cx) - min) / cell));
      const j0 = Math.max(0, Math.floor((Math.min(ay, by, cy) - min) / cell));
      const j1 = Math.min(size - 1, Math.ceil((Math.max(ay, by, cy) - min) / cell));
      for (let j = j0; j <= j1; j++) {
        const y = min + j * cell;
        for (let i = i0; i <= i1; i++) {
          const x = min + i * cell;
          const w0 = ((bx - x) * (cy - y) - (by - y) * (cx - x)) / area;
          const w1 = ((cx - x) * (ay - y) - (cy - y) * (ax - x)) / area;
          const w2 = 1 - w0 - w1;
          if (w0 < -1e-6 || w1 < -1e-6 || w2 < -1e-6) continue;
          const z = w0 * az + w1 * bz + w2 * cz;
          const k = j * size + i;
          if (z > (this.depth[k] as number)) this.depth[k] = z;
        }
      }
    }
  }

  /** Front-most z at (x, y), bilinearly interpolated; -Infinity outside the mesh. */
  z(x: number, y: number): number {
    const cell = (this.max - this.min) / (this.size - 1);
    const fx = Math.min(Math.max((x - this.min) / cell, 0), this.size - 1.001);
    const fy = Math.min(Math.max((y - this.min) / cell, 0), this.size - 1.001);
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const u = fx - i;
    const v = fy - j;
    const d = this.depth;
    const k = j * this.size + i;
    const z00 = d[k] as number;
    const z10 = d[k + 1] as number;
    const z01 = d[k + this.size] as number;
    const z11 = d[k + this.size + 1] as number;
    return (z00 * (1 - u) + z10 * u) * (1 - v) + (z01 * (1 - u) + z11 * u) * v;
  }
}

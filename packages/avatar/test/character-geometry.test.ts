import type { BufferAttribute, Mesh } from 'three';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../src/character/build-character.js';
import { LAYOUT } from '../src/character/layout.js';
import { MeshMorphRig } from '../src/morph-rig.js';

/** Vertex positions of a mesh with its current morph influences applied (relative targets). */
function morphed(mesh: Mesh): Float32Array {
  const base = mesh.geometry.getAttribute('position') as BufferAttribute;
  const out = Float32Array.from(base.array as Float32Array);
  const targets = mesh.geometry.morphAttributes.position ?? [];
  targets.forEach((t, i) => {
    const w = mesh.morphTargetInfluences?.[i] ?? 0;
    if (w === 0) return;
    for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) + w * (t.array[k] as number);
  });
  return out;
}

describe('built-in character geometry', () => {
  const character = buildCharacter();
  const rig = new MeshMorphRig(character.root);
  const mesh = (name: string) => character.morphMeshes.find((m) => m.name === name) as Mesh;

  it('keeps the lids outside the eyeball through the whole blink (in-between shapes)', () => {
    const lids = mesh('eyelids');
    const eye = character.eyes.left.position;
    // Positions are in head space; the eye pivot sits at the eye centre in the same space.
    for (let w = 0; w <= 1.0001; w += 0.05) {
      rig.apply({ eyeBlinkLeft: w, eyeBlinkRight: w });
      const p = morphed(lids);
      let nearest = Number.POSITIVE_INFINITY;
      for (let k = 0; k < p.length / 2; k += 3) {
        const d = Math.hypot(
          (p[k] as number) - eye.x,
          (p[k + 1] as number) - eye.y,
          (p[k + 2] as number) - eye.z,
        );
        nearest = Math.min(nearest, d);
      }
      expect(nearest).toBeGreaterThan(LAYOUT.eye.radius * 0.995);
    }
    rig.apply({ eyeBlinkLeft: 0, eyeBlinkRight: 0 });
  });

  it('closes the lips for PP and opens them for aa, wider than for ou', () => {
    const lips = mesh('lips');
    const gapAtCentre = () => {
      const p = morphed(lips);
      // Lowest point of the upper lip minus highest point of the lower lip near x = 0.
      const half = p.length / 2;
      let upper = Number.POSITIVE_INFINITY;
      let lower = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < p.length; k += 3) {
        if (Math.abs(p[k] as number) > 0.01) continue;
        if (k < half) upper = Math.min(upper, p[k + 1] as number);
        else lower = Math.max(lower, p[k + 1] as number);
      }
      return upper - lower;
    };
    const shape = (v: string) => {
      rig.apply({ viseme_PP: 0, viseme_aa: 0, viseme_ou: 0, [`viseme_${v}`]: 1 });
      return gapAtCentre();
    };
    const pp = shape('PP');
    const aa = shape('aa');
    const ou = shape('ou');
    expect(Math.abs(pp)).toBeLessThan(0.005);
    expect(aa).toBeGreaterThan(0.15);
    expect(aa).toBeGreaterThan(ou * 2);
  });
});

import { seededRandom } from '@visemo/core/seeded-random';
import type { BufferAttribute, Mesh } from 'three';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../src/character/build-character.js';
import { LAYOUT } from '../src/character/layout.js';
import { MOUTH_CORNER_X } from '../src/character/mouth.js';
import { detectMorphVocabulary, faceToChannels } from '../src/face-channels.js';
import { IdleLife } from '../src/idle-life.js';
import { resolveLook } from '../src/look.js';
import { MeshMorphRig } from '../src/morph-rig.js';
import { zeroVisemeWeights } from '../src/visemes.js';

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

/** Lowest point of the upper lip minus highest point of the lower lip near x = 0, morphs applied. */
function lipGapAtCentre(lips: Mesh): number {
  const p = morphed(lips);
  const half = p.length / 2;
  let upper = Number.POSITIVE_INFINITY;
  let lower = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < p.length; k += 3) {
    if (Math.abs(p[k] as number) > 0.01) continue;
    if (k < half) upper = Math.min(upper, p[k + 1] as number);
    else lower = Math.max(lower, p[k + 1] as number);
  }
  return upper - lower;
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
    const shape = (v: string) => {
      rig.apply({ viseme_PP: 0, viseme_aa: 0, viseme_ou: 0, [`viseme_${v}`]: 1 });
      return lipGapAtCentre(lips);
    };
    const pp = shape('PP');
    const aa = shape('aa');
    const ou = shape('ou');
    expect(Math.abs(pp)).toBeLessThan(0.005);
    expect(aa).toBeGreaterThan(0.15);
    expect(aa).toBeGreaterThan(ou * 2);
  });
});

/** Mean displacement (x, y, z) of the vertices `pick` selects, between rest and the current morphs. */
function moved(mesh: Mesh, pick: (x: number, y: number, z: number) => boolean): [number, number, number] {
  const rest = (mesh.geometry.getAttribute('position') as BufferAttribute).array as Float32Array;
  const now = morphed(mesh);
  const sum = [0, 0, 0];
  let n = 0;
  for (let k = 0; k < rest.length; k += 3) {
    if (!pick(rest[k] as number, rest[k + 1] as number, rest[k + 2] as number)) continue;
    for (let c = 0; c < 3; c++)
      sum[c] = (sum[c] as number) + (now[k + c] as number) - (rest[k + c] as number);
    n++;
  }
  expect(n).toBeGreaterThan(0);
  return sum.map((v) => v / n) as [number, number, number];
}

function boundsOf(mesh: Mesh): { min: number[]; max: number[] } {
  mesh.geometry.computeBoundingBox();
  const b = mesh.geometry.boundingBox;
  return { min: b ? b.min.toArray() : [0, 0, 0], max: b ? b.max.toArray() : [0, 0, 0] };
}

describe('built-in character: detail, morph targets that move the right region, both looks adult', () => {
  const character = buildCharacter();
  const rig = new MeshMorphRig(character.root);
  const mesh = (name: string) => character.morphMeshes.find((m) => m.name === name) as Mesh;
  const reset = () => rig.apply(Object.fromEntries(rig.channels.map((c) => [c, 0])));

  it('has a finely divided head, within a vertex budget software GL can draw', () => {
    const head = mesh('head').geometry.getAttribute('position').count;
    // Enough for a sculpted nose and lips (the old sphere had 10k); few enough for SwiftShader.
    expect(head).toBeGreaterThan(15_000);
    expect(head).toBeLessThan(25_000);
    let triangles = 0;
    character.root.traverse((o) => {
      const m = o as Mesh;
      if (m.isMesh) triangles += (m.geometry.index?.count ?? m.geometry.getAttribute('position').count) / 3;
    });
    expect(triangles).toBeLessThan(150_000);
  });

  it('smiles with the mouth corner on its side, raising the cheek and the lower lid', () => {
    reset();
    rig.apply({ mouthSmileLeft: 1 });
    const corner = (side: number) => (x: number) => side * x > MOUTH_CORNER_X * 0.8;
    const [, leftUp] = moved(mesh('lips'), corner(1));
    const [, rightUp] = moved(mesh('lips'), corner(-1));
    expect(leftUp).toBeGreaterThan(0.06);
    expect(Math.abs(rightUp)).toBeLessThan(0.005);
    const cheek = (side: number) => (x: number, y: number, z: number) =>
      side * x > 0.3 && side * x < 0.5 && y > -0.35 && y < -0.1 && z > 0.4;
    expect(moved(mesh('head'), cheek(1))[1]).toBeGreaterThan(0.02);
    expect(Math.abs(moved(mesh('head'), cheek(-1))[1])).toBeLessThan(0.002);
    // The lower lid's edge band, below the iris.
    const lowerLid = (x: number, y: number) =>
      x > 0 && y < LAYOUT.eye.y - LAYOUT.eye.radius * 0.3 && y > LAYOUT.eye.y - LAYOUT.eye.radius * 0.7;
    expect(moved(mesh('eyelids'), lowerLid)[1]).toBeGreaterThan(0.005);
    reset();
  });

  it('raises the inner ends of the brows for concern, more than their outer ends', () => {
    reset();
    rig.apply({ browInnerUp: 1 });
    const inner = moved(mesh('brows'), (x) => Math.abs(x) < 0.2)[1];
    const outer = moved(mesh('brows'), (x) => Math.abs(x) > 0.4)[1];
    expect(inner).toBeGreaterThan(0.08);
    expect(inner).toBeGreaterThan(outer * 3);
    reset();
  });

  it('opens the eyes wide for surprise: the upper lids go up', () => {
    reset();
    rig.apply({ eyeWideLeft: 1 });
    expect(moved(mesh('eyelids'), (x, y) => x > 0 && y > LAYOUT.eye.y + 0.02)[1]).toBeGreaterThan(0.01);
    reset();
  });

  it('shrugs: the shoulders rise at their tips, the neckline barely', () => {
    reset();
    rig.apply({ shoulderShrug: 1 });
    const { shoulders } = resolveLook().body;
    const tips = moved(mesh('torso'), (x, y) => Math.abs(x) > shoulders * 0.8 && y > -0.4)[1];
    const neckline = moved(mesh('torso'), (x, y) => Math.abs(x) < 0.45 && y > 0.3)[1];
    expect(tips).toBeGreaterThan(0.1);
    expect(neckline).toBeLessThan(0.05);
    reset();
  });

  it('keeps lip-sync in charge of the mouth: a surprised face still closes its lips for "p"', () => {
    const available = new Set(rig.channels);
    const vocabulary = detectMorphVocabulary(rig.channels);
    const pose = new IdleLife({ random: seededRandom(1), reducedMotion: true }).update(0);
    const gap = (visemes: Partial<Record<string, number>>) => {
      const v = { ...zeroVisemeWeights(), ...visemes };
      const expressions = { neutral: 0, happy: 0, sad: 0, surprised: 1, concerned: 0, angry: 0 };
      rig.apply(faceToChannels({ visemes: v, expressions, pose }, vocabulary, available));
      return lipGapAtCentre(mesh('lips'));
    };
    expect(gap({ sil: 1 })).toBeGreaterThan(0.05);
    expect(Math.abs(gap({ PP: 1 }))).toBeLessThan(0.008);
    reset();
  });

  it('gives both looks adult proportions: shoulders wide against the head, a face longer than wide', () => {
    for (const name of ['maya', 'theo'] as const) {
      const c = buildCharacter(resolveLook({ character: name }));
      const head = boundsOf(c.morphMeshes.find((m) => m.name === 'head') as Mesh);
      const torso = boundsOf(c.morphMeshes.find((m) => m.name === 'torso') as Mesh);
      const headWidth = (head.max[0] as number) - (head.min[0] as number);
      const headHeight = (head.max[1] as number) - (head.min[1] as number);
      const shoulderWidth = (torso.max[0] as number) - (torso.min[0] as number);
      expect(shoulderWidth / headWidth, name).toBeGreaterThan(2.3);
      expect(headHeight / headWidth, name).toBeGreaterThan(1.2);
      // Adult eyes are small against the face (a doll's are a third of its width or more).
      expect((LAYOUT.eye.radius * 2) / headWidth, name).toBeLessThan(0.2);
      c.dispose();
    }
  });
});

import { seededRandom } from '@visemo/core/seeded-random';
import { BufferGeometry, Float32BufferAttribute, Group, Mesh } from 'three';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHANNELS } from '../src/builtin-channels.js';
import { ExpressionBlender } from '../src/expressions.js';
import { FaceAnimator } from '../src/face-animator.js';
import { detectMorphVocabulary, type FaceState, faceToChannels } from '../src/face-channels.js';
import { IdleLife } from '../src/idle-life.js';
import { MeshMorphRig } from '../src/morph-rig.js';
import { zeroVisemeWeights } from '../src/visemes.js';

function face(over: Partial<FaceState> = {}): FaceState {
  return {
    visemes: zeroVisemeWeights(),
    expressions: { neutral: 0, happy: 0, sad: 0, surprised: 0, concerned: 0, angry: 0 },
    pose: new IdleLife({ random: seededRandom(1), reducedMotion: true }).update(0),
    ...over,
  };
}

describe('ExpressionBlender', () => {
  it('cross-fades from the current mix, never jumping', () => {
    const b = new ExpressionBlender({ transitionMs: 400 });
    b.set('happy', 1);
    expect(b.update(0.2).happy).toBeGreaterThan(0.3);
    expect(b.update(0.2).happy).toBe(1);
    b.set('sad', 0.8);
    const mid = b.update(0.1);
    expect(mid.happy).toBeGreaterThan(0.5);
    expect(mid.sad).toBeGreaterThan(0);
    b.update(1);
    expect(b.weights().happy).toBe(0);
    expect(b.weights().sad).toBeCloseTo(0.8);
    b.set('neutral');
    b.update(1);
    expect(Object.values(b.weights()).every((w) => w === 0)).toBe(true);
  });
});

describe('detectMorphVocabulary', () => {
  it('recognises Ready Player Me style Oculus names with ARKit expressions', () => {
    const v = detectMorphVocabulary([
      'viseme_sil',
      'viseme_PP',
      'viseme_aa',
      'viseme_E',
      'viseme_I',
      'viseme_O',
      'viseme_U',
      'eyeBlinkLeft',
      'eyeBlinkRight',
      'mouthSmileLeft',
    ]);
    expect(v).toEqual({ visemes: 'oculus', expressions: 'arkit', blink: 'arkit' });
  });
  it('recognises an ARKit-only rig', () => {
    expect(
      detectMorphVocabulary(['jawOpen', 'mouthFunnel', 'mouthPucker', 'eyeBlinkLeft', 'eyeBlinkRight'])
        .visemes,
    ).toBe('arkit');
  });
  it('recognises VRM expressions', () => {
    expect(detectMorphVocabulary(['aa', 'ih', 'ou', 'ee', 'oh', 'blink', 'happy'], { vrm: true })).toEqual({
      visemes: 'vrm',
      expressions: 'vrm',
      blink: 'vrm',
    });
  });
  it('finds nothing on a model without known names', () => {
    expect(detectMorphVocabulary(['Key 1', 'Key 2'])).toEqual({
      visemes: 'none',
      expressions: 'none',
      blink: 'none',
    });
  });
});

describe('faceToChannels', () => {
  it('maps ih/oh/ou to the I/O/U spellings of Ready Player Me', () => {
    const available = new Set(['viseme_aa', 'viseme_I', 'viseme_O', 'viseme_U']);
    const visemes = { ...zeroVisemeWeights(), oh: 0.7 };
    const w = faceToChannels(
      face({ visemes }),
      detectMorphVocabulary([...available, 'viseme_PP', 'viseme_E']),
      available,
    );
    expect(w.viseme_O).toBeCloseTo(0.7);
    expect(w.viseme_aa).toBe(0);
  });

  it('drives ARKit mouth shapes from visemes on an ARKit-only rig', () => {
    const available = new Set(['jawOpen', 'mouthFunnel', 'mouthPucker', 'mouthClose']);
    const vocab = detectMorphVocabulary(available);
    const open = faceToChannels(face({ visemes: { ...zeroVisemeWeights(), aa: 1 } }), vocab, available);
    const round = faceToChannels(face({ visemes: { ...zeroVisemeWeights(), ou: 1 } }), vocab, available);
    expect(open.jawOpen).toBeGreaterThan(round.jawOpen as number);
    expect(round.mouthPucker).toBeGreaterThan(0.5);
    const rest = faceToChannels(face(), vocab, available);
    expect(Object.values(rest).every((x) => x === 0)).toBe(true);
  });

  it('keeps a smile while talking on the built-in channels', () => {
    const available = new Set(BUILTIN_CHANNELS);
    const vocab = detectMorphVocabulary(available);
    const w = faceToChannels(
      face({
        visemes: { ...zeroVisemeWeights(), aa: 0.9 },
        expressions: { neutral: 0, happy: 1, sad: 0, surprised: 0, concerned: 0, angry: 0 },
      }),
      vocab,
      available,
    );
    expect(w.viseme_aa).toBeCloseTo(0.9);
    expect(w.mouthSmileLeft).toBeGreaterThan(0.5);
    expect(w.mouthSmileRight).toBeGreaterThan(0.5);
  });

  it('maps blinks and expressions to VRM presets', () => {
    const available = new Set(['aa', 'ih', 'ou', 'ee', 'oh', 'blinkLeft', 'blinkRight', 'happy', 'sad']);
    const vocab = detectMorphVocabulary(available, { vrm: true });
    const f = face({ expressions: { neutral: 0, happy: 0, sad: 0, surprised: 0, concerned: 1, angry: 0 } });
    f.pose = { ...f.pose, blinkLeft: 1, blinkRight: 0.25 };
    const w = faceToChannels(f, vocab, available);
    expect(w.blinkLeft).toBe(1);
    expect(w.blinkRight).toBe(0.25);
    expect(w.sad).toBeCloseTo(0.5);
  });
});

describe('MeshMorphRig', () => {
  it('spreads a channel over its in-between shapes piecewise linearly', () => {
    const g = new BufferGeometry();
    g.setAttribute('position', new Float32BufferAttribute([0, 0, 0], 3));
    const steps = ['blink@0.333', 'blink@0.667', 'blink'].map((name) => {
      const a = new Float32BufferAttribute([0, 0, 0], 3);
      a.name = name;
      return a;
    });
    g.morphAttributes.position = steps;
    const mesh = new Mesh(g);
    mesh.updateMorphTargets();
    const root = new Group().add(mesh);
    const rig = new MeshMorphRig(root);
    expect(rig.channels).toEqual(['blink']);
    const influences = () => [...(mesh.morphTargetInfluences ?? [])].map((x) => Number(x.toFixed(3)));
    rig.apply({ blink: 0.5 });
    expect(influences()).toEqual([0.5, 0.5, 0]);
    rig.apply({ blink: 1 });
    expect(influences()).toEqual([0, 0, 1]);
    rig.apply({ blink: 0.1 });
    expect(influences()).toEqual([0.3, 0, 0]);
    rig.apply({ blink: 0 });
    expect(influences()).toEqual([0, 0, 0]);
  });
});

describe('FaceAnimator', () => {
  it('follows the caller clock for visemes and wall time for idle motion', () => {
    const animator = new FaceAnimator({ random: seededRandom(1) });
    animator.scheduleVisemes([{ viseme: 'aa', startMs: 100, endMs: 400 }], 50);
    expect(animator.step(50.05, 1 / 60).visemes.aa).toBe(0);
    expect(animator.step(50.25, 1 / 60).visemes.aa).toBeGreaterThan(0.9);
    animator.setVisemeWeights({ ou: 0.6 });
    expect(animator.step(50.25, 1 / 60).visemes.ou).toBeCloseTo(0.6);
    animator.setVisemeWeights(null);
    expect(animator.step(60, 1 / 60).visemes.sil).toBe(1);
  });
});

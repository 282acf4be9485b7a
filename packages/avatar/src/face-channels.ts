import { visemeToArkit, visemeToVrm } from '@visemo/core/visemes';
import type { AvatarExpression, ExpressionWeights } from './expressions.js';
import type { IdlePose } from './idle-life.js';
import { VISEMES, type Viseme, type VisemeWeights } from './visemes.js';

/**
 * Everything that shapes the face in one frame, independent of any rig: blended visemes, blended
 * expressions and idle life. A rig turns it into its own morph channels with `faceToChannels`.
 */
export interface FaceState {
  visemes: VisemeWeights;
  expressions: ExpressionWeights;
  pose: IdlePose;
}

/** Which naming a model's morph targets (or VRM expressions) follow, per part of the face. */
export interface MorphVocabulary {
  /** `oculus`: viseme_aa, viseme_PP... (Ready Player Me, the built-in character); `arkit`: jawOpen, mouthFunnel...; `vrm`: aa ih ou ee oh. */
  visemes: 'oculus' | 'arkit' | 'vrm' | 'none';
  expressions: 'arkit' | 'vrm' | 'none';
  blink: 'arkit' | 'vrm' | 'none';
}

/** Oculus viseme morph names; Ready Player Me spells ih/oh/ou as I/O/U. */
const OCULUS_NAMES: Readonly<Record<Viseme, readonly string[]>> = {
  sil: ['viseme_sil'],
  PP: ['viseme_PP'],
  FF: ['viseme_FF'],
  TH: ['viseme_TH'],
  DD: ['viseme_DD'],
  kk: ['viseme_kk'],
  CH: ['viseme_CH'],
  SS: ['viseme_SS'],
  nn: ['viseme_nn'],
  RR: ['viseme_RR'],
  aa: ['viseme_aa'],
  E: ['viseme_E'],
  ih: ['viseme_ih', 'viseme_I'],
  oh: ['viseme_oh', 'viseme_O'],
  ou: ['viseme_ou', 'viseme_U'],
};

type Weights = Readonly<Record<string, number>>;

/**
 * Expressions as ARKit blendshape weights (the built-in character uses these names too), strong
 * enough to read at a glance: a smile raises the cheeks and narrows the eyes, concern lifts the
 * inner brows and knits them, surprise opens eyes and brows wide.
 */
const EXPRESSION_ARKIT: Readonly<Record<AvatarExpression, Weights>> = {
  neutral: {},
  happy: {
    mouthSmileLeft: 0.95,
    mouthSmileRight: 0.95,
    cheekSquintLeft: 0.75,
    cheekSquintRight: 0.75,
    eyeSquintLeft: 0.4,
    eyeSquintRight: 0.4,
    browOuterUpLeft: 0.2,
    browOuterUpRight: 0.2,
  },
  sad: {
    mouthFrownLeft: 0.85,
    mouthFrownRight: 0.85,
    browInnerUp: 1,
    browDownLeft: 0.15,
    browDownRight: 0.15,
    mouthShrugLower: 0.45,
    eyeSquintLeft: 0.25,
    eyeSquintRight: 0.25,
  },
  surprised: {
    browInnerUp: 0.9,
    browOuterUpLeft: 1,
    browOuterUpRight: 1,
    eyeWideLeft: 1,
    eyeWideRight: 1,
    jawOpen: 0.3,
    mouthFunnel: 0.45,
  },
  concerned: {
    browInnerUp: 0.9,
    browDownLeft: 0.3,
    browDownRight: 0.3,
    mouthFrownLeft: 0.35,
    mouthFrownRight: 0.35,
    mouthPressLeft: 0.35,
    mouthPressRight: 0.35,
    eyeSquintLeft: 0.2,
    eyeSquintRight: 0.2,
  },
  angry: {
    browDownLeft: 1,
    browDownRight: 1,
    eyeSquintLeft: 0.55,
    eyeSquintRight: 0.55,
    mouthFrownLeft: 0.45,
    mouthFrownRight: 0.45,
    noseSneerLeft: 0.45,
    noseSneerRight: 0.45,
    mouthPressLeft: 0.45,
    mouthPressRight: 0.45,
  },
};

/**
 * How much of an expression's mouth channel stays while the lips speak (1 - share × speech). Lip-sync
 * keeps priority over the mouth: shapes that open, round or press the lips give way entirely, so a
 * surprised face still closes for "p"; a smile or a frown stays, a little smaller.
 */
const SPEECH_YIELD: Readonly<Record<string, number>> = {
  jawOpen: 1,
  mouthFunnel: 1,
  mouthPucker: 1,
  mouthClose: 1,
  mouthRollLower: 1,
  mouthRollUpper: 1,
  mouthShrugLower: 1,
  mouthShrugUpper: 1,
  mouthPressLeft: 1,
  mouthPressRight: 1,
  mouthSmileLeft: 0.2,
  mouthSmileRight: 0.2,
  mouthFrownLeft: 0.3,
  mouthFrownRight: 0.3,
};

/** How much the lips are speaking (0 silent .. 1), from the blended visemes. */
export function speechActivity(visemes: VisemeWeights): number {
  let spoken = 0;
  for (const v of VISEMES) if (v !== 'sil') spoken += visemes[v];
  return Math.min(1, spoken);
}

/** Expressions as VRM preset expressions; VRM has no "concerned", so it is a mild "sad". */
const EXPRESSION_VRM: Readonly<Record<AvatarExpression, Weights>> = {
  neutral: {},
  happy: { happy: 1 },
  sad: { sad: 1 },
  surprised: { surprised: 1 },
  concerned: { sad: 0.5 },
  angry: { angry: 1 },
};

function tableOf(f: (v: Viseme) => Weights): Readonly<Record<Viseme, Weights>> {
  const out = {} as Record<Viseme, Weights>;
  for (const v of VISEMES) out[v] = f(v);
  return out;
}

const ARKIT_VISEME_TABLE = tableOf(visemeToArkit);
const VRM_VISEME_TABLE = tableOf(visemeToVrm);

/** Gaze angle (radians) that maps to a full eyeLook* weight on ARKit rigs without eye bones. */
const EYE_LOOK_RANGE = 0.5;

function count(names: ReadonlySet<string>, candidates: Iterable<string>): number {
  let n = 0;
  for (const c of candidates) if (names.has(c)) n++;
  return n;
}

/**
 * Finds which vocabulary a model speaks from its morph target names (or, for VRM, its expression
 * names). A few matches are enough: models often lack `viseme_sil` or some ARKit shapes.
 */
export function detectMorphVocabulary(
  names: Iterable<string>,
  options: { vrm?: boolean } = {},
): MorphVocabulary {
  const set = new Set(names);
  if (options.vrm) {
    const mouth = count(set, ['aa', 'ih', 'ou', 'ee', 'oh']);
    const faces = count(set, ['happy', 'sad', 'angry', 'surprised']);
    const blink = set.has('blink') || (set.has('blinkLeft') && set.has('blinkRight'));
    return {
      visemes: mouth > 0 ? 'vrm' : 'none',
      expressions: faces > 0 ? 'vrm' : 'none',
      blink: blink ? 'vrm' : 'none',
    };
  }
  const oculus = count(
    set,
    VISEMES.flatMap((v) => OCULUS_NAMES[v]),
  );
  const arkitMouth = count(set, ['jawOpen', 'mouthFunnel', 'mouthPucker', 'mouthClose', 'mouthRollLower']);
  const arkitFace = count(set, [
    'mouthSmileLeft',
    'mouthFrownLeft',
    'browInnerUp',
    'browDownLeft',
    'eyeWideLeft',
  ]);
  const blink = set.has('eyeBlinkLeft') && set.has('eyeBlinkRight');
  return {
    visemes: oculus >= 5 ? 'oculus' : arkitMouth >= 1 ? 'arkit' : 'none',
    expressions: arkitFace >= 1 ? 'arkit' : 'none',
    blink: blink ? 'arkit' : 'none',
  };
}

/** For an Oculus-named model: viseme → the morph name this model actually has (first spelling found). */
export function oculusMorphNames(available: ReadonlySet<string>): Partial<Record<Viseme, string>> {
  const out: Partial<Record<Viseme, string>> = {};
  for (const v of VISEMES) {
    const name = OCULUS_NAMES[v].find((n) => available.has(n));
    if (name) out[v] = name;
  }
  return out;
}

function add(
  out: Record<string, number>,
  name: string,
  weight: number,
  available: ReadonlySet<string>,
): void {
  if (weight === 0 || !available.has(name)) return;
  out[name] = (out[name] ?? 0) + weight;
}

/**
 * Turns a face state into weights for the morph channels a model has. Every available channel is
 * present in the result (0 when unused), so callers can assign all of them each frame; values are
 * clamped to 0..1.
 */
export function faceToChannels(
  face: FaceState,
  vocabulary: MorphVocabulary,
  available: ReadonlySet<string>,
  options: { gazeViaMorphs?: boolean } = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of available) out[name] = 0;

  if (vocabulary.visemes === 'oculus') {
    const names = oculusMorphNames(available);
    for (const v of VISEMES) {
      const name = names[v];
      if (name) add(out, name, face.visemes[v], available);
    }
  } else if (vocabulary.visemes === 'arkit' || vocabulary.visemes === 'vrm') {
    const table = vocabulary.visemes === 'arkit' ? ARKIT_VISEME_TABLE : VRM_VISEME_TABLE;
    for (const v of VISEMES) {
      const w = face.visemes[v];
      if (w <= 0) continue;
      for (const [name, k] of Object.entries(table[v])) add(out, name, w * k, available);
    }
  }

  if (vocabulary.expressions !== 'none') {
    const table = vocabulary.expressions === 'arkit' ? EXPRESSION_ARKIT : EXPRESSION_VRM;
    const speech = vocabulary.visemes === 'none' ? 0 : speechActivity(face.visemes);
    for (const [expression, w] of Object.entries(face.expressions) as [AvatarExpression, number][]) {
      if (w <= 0) continue;
      for (const [name, k] of Object.entries(table[expression]))
        add(out, name, w * k * (1 - (SPEECH_YIELD[name] ?? 0) * speech), available);
    }
  }

  const { pose } = face;
  add(out, 'shoulderShrug', pose.shrug, available);
  if (vocabulary.expressions === 'arkit' && pose.browRaise > 0) {
    add(out, 'browInnerUp', pose.browRaise * 0.6, available);
    add(out, 'browOuterUpLeft', pose.browRaise * 0.4, available);
    add(out, 'browOuterUpRight', pose.browRaise * 0.4, available);
  }

  if (vocabulary.blink === 'arkit') {
    add(out, 'eyeBlinkLeft', pose.blinkLeft, available);
    add(out, 'eyeBlinkRight', pose.blinkRight, available);
  } else if (vocabulary.blink === 'vrm') {
    if (available.has('blinkLeft') && available.has('blinkRight')) {
      add(out, 'blinkLeft', pose.blinkLeft, available);
      add(out, 'blinkRight', pose.blinkRight, available);
    } else {
      add(out, 'blink', Math.max(pose.blinkLeft, pose.blinkRight), available);
    }
  }

  if (options.gazeViaMorphs) {
    const yaw = pose.gazeYaw / EYE_LOOK_RANGE;
    const pitch = pose.gazePitch / EYE_LOOK_RANGE;
    // Positive yaw turns the eyes to the avatar's left: the left eye looks out, the right eye in.
    add(out, yaw > 0 ? 'eyeLookOutLeft' : 'eyeLookInLeft', Math.abs(yaw), available);
    add(out, yaw > 0 ? 'eyeLookInRight' : 'eyeLookOutRight', Math.abs(yaw), available);
    add(out, pitch > 0 ? 'eyeLookUpLeft' : 'eyeLookDownLeft', Math.abs(pitch), available);
    add(out, pitch > 0 ? 'eyeLookUpRight' : 'eyeLookDownRight', Math.abs(pitch), available);
  }

  for (const name of Object.keys(out)) out[name] = Math.min(1, Math.max(0, out[name] as number));
  return out;
}

import type { Viseme } from './visemes.js';

/**
 * A mouth described by a few numbers, in face units (the built-in head's radius is 1). The 3D
 * character and the 2D fallback both draw from it, so they speak with the same shapes.
 */
export interface MouthParams {
  /** Half-width multiplier per side (1 = rest); L is the avatar's left (+x). */
  widthL: number;
  widthR: number;
  /** Lip separation at the centre. */
  gap: number;
  /** Part of the gap made by the jaw rather than the lips (0..1). */
  jawShare: number;
  /** Part of the lips' own opening taken by the upper lip (0..1). */
  upShare: number;
  /** 0 = wide flat opening, 1 = round opening. */
  round: number;
  /** Lips pushed forward and thickened (0..1). */
  pucker: number;
  /** Corner lift per side (face units; negative frowns). */
  smileL: number;
  smileR: number;
  /** Lips pressed thin (0..1). */
  press: number;
  /** Lower lip tucked up under the upper teeth (f/v) (0..1). */
  tuck: number;
  /** Visible height of the upper / lower teeth (0..1). */
  teeth: number;
  lowerTeeth: number;
  /** Tongue raised towards the teeth (0..1). */
  tongue: number;
}

export const MOUTH_REST: Readonly<MouthParams> = {
  widthL: 1,
  widthR: 1,
  gap: 0,
  jawShare: 0.72,
  upShare: 0.3,
  round: 0,
  pucker: 0,
  smileL: 0.012,
  smileR: 0.012,
  press: 0,
  tuck: 0,
  teeth: 0.7,
  lowerTeeth: 0.3,
  tongue: 0,
};

/** Half-width of the mouth at rest, in face units. */
export const MOUTH_HALF_WIDTH = 0.2;

function w(width: number): Pick<MouthParams, 'widthL' | 'widthR'> {
  return { widthL: width, widthR: width };
}

/** Each viseme's mouth, as changes from rest. */
export const VISEME_MOUTH: Readonly<Record<Viseme, Partial<MouthParams>>> = {
  sil: {},
  PP: { press: 0.85, ...w(0.95) },
  FF: { gap: 0.05, tuck: 1, teeth: 1, upShare: 0.75, jawShare: 0.3 },
  TH: { gap: 0.055, tongue: 1, teeth: 1, ...w(1.0) },
  DD: { gap: 0.055, teeth: 1, tongue: 0.55, ...w(1.03) },
  kk: { gap: 0.075, teeth: 0.8, lowerTeeth: 0.5, ...w(1.03) },
  CH: { gap: 0.05, pucker: 0.6, round: 0.55, teeth: 1, lowerTeeth: 0.8, upShare: 0.5, ...w(0.8) },
  SS: { gap: 0.03, teeth: 1, lowerTeeth: 1, upShare: 0.5, smileL: 0.025, smileR: 0.025, ...w(1.1) },
  nn: { gap: 0.05, tongue: 0.75, teeth: 0.7, ...w(1.02) },
  RR: { gap: 0.05, pucker: 0.5, round: 0.7, teeth: 0.8, ...w(0.82) },
  aa: { gap: 0.2, round: 0.3, teeth: 0.85, lowerTeeth: 0.5, tongue: 0.15, ...w(1.0) },
  E: { gap: 0.12, teeth: 0.9, lowerTeeth: 0.6, smileL: 0.02, smileR: 0.02, ...w(1.1) },
  ih: { gap: 0.075, teeth: 1, lowerTeeth: 0.8, smileL: 0.025, smileR: 0.025, ...w(1.12) },
  oh: { gap: 0.15, round: 1, pucker: 0.45, teeth: 0.5, ...w(0.72) },
  ou: { gap: 0.065, round: 1, pucker: 1, teeth: 0.3, ...w(0.56) },
};

/** Mouth parts of the expression channels the built-in character has (ARKit names). */
export const CHANNEL_MOUTH: Readonly<Record<string, Partial<MouthParams>>> = {
  mouthSmileLeft: { smileL: 0.095, widthL: 1.15, teeth: 0.9, gap: 0.028, jawShare: 0.35, upShare: 0.3 },
  mouthSmileRight: { smileR: 0.095, widthR: 1.15, teeth: 0.9, gap: 0.028, jawShare: 0.35, upShare: 0.3 },
  mouthFrownLeft: { smileL: -0.06, widthL: 0.96 },
  mouthFrownRight: { smileR: -0.06, widthR: 0.96 },
  mouthPressLeft: { press: 0.4 },
  mouthPressRight: { press: 0.4 },
  mouthShrugLower: { tuck: 0.35 },
  jawOpen: { gap: 0.17, jawShare: 0.95, teeth: 0.9, lowerTeeth: 0.6 },
  mouthFunnel: { gap: 0.12, round: 1, pucker: 0.35, teeth: 0.5, ...w(0.72) },
};

export function mouthParams(change: Partial<MouthParams>): MouthParams {
  return { ...MOUTH_REST, ...change };
}

/**
 * Adds several shapes' changes from rest with weights, as morph targets add. Used by the 2D
 * fallback so that it blends exactly like the 3D character's morphs.
 */
export function blendMouth(parts: Iterable<[Partial<MouthParams>, number]>): MouthParams {
  const out = { ...MOUTH_REST };
  for (const [change, weight] of parts) {
    if (weight === 0) continue;
    for (const [key, value] of Object.entries(change) as [keyof MouthParams, number][]) {
      out[key] += (value - MOUTH_REST[key]) * weight;
    }
  }
  return out;
}

/** One vertical slice of the mouth at u (-1 = the avatar's right corner, 1 = its left corner). */
export interface MouthSlice {
  x: number;
  upperOuter: number;
  upperInner: number;
  lowerInner: number;
  lowerOuter: number;
  /** How far the lower lip at this slice drops with the jaw (0 at the corners, 1 at the centre). */
  jawFollow: number;
}

/**
 * The lip lines of a mouth, before the jaw: y relative to the mouth line. The jaw's share of the gap
 * is not included (the 3D character rotates its jaw; the 2D face adds `jawDrop * jawFollow`).
 */
export function mouthSlice(p: MouthParams, u: number): MouthSlice {
  const side = u >= 0 ? 1 : -1;
  const width = (u >= 0 ? p.widthL : p.widthR) * MOUTH_HALF_WIDTH;
  const smile = u >= 0 ? p.smileL : p.smileR;
  const uu = u * u;
  const corner = smile * uu * (1.2 - 0.2 * uu);
  const lipGap = p.gap * (1 - p.jawShare);
  const k = 0.95 - 0.45 * p.round;
  const opening = (1 - uu) ** k;
  const tuck = p.tuck * 0.03 * (1 - uu) ** 0.6;
  const upperInner = corner + lipGap * p.upShare * opening;
  const lowerInner = corner - lipGap * (1 - p.upShare) * opening + tuck;
  const thin = 1 - 0.55 * p.press;
  const plump = 1 + 0.5 * p.pucker;
  const taper = 0.12 + 0.88 * (1 - uu) ** 0.55;
  // A small dip at the centre of the upper lip (Cupid's bow).
  const bow =
    1 - 0.18 * Math.exp(-((u / 0.14) ** 2)) + 0.06 * Math.exp(-(((Math.abs(u) - 0.28) / 0.14) ** 2));
  const upperOuter = upperInner + 0.045 * thin * plump * taper * bow;
  const lowerOuter = lowerInner - 0.058 * thin * plump * (1 - 0.35 * p.tuck) * taper;
  return {
    x: side * Math.abs(u) * width,
    upperOuter,
    upperInner,
    lowerInner,
    lowerOuter,
    jawFollow: (1 - uu) ** 0.45,
  };
}

/** Vertical drop of the lower lip's centre caused by the jaw, for a given mouth. */
export function jawDrop(p: MouthParams): number {
  return p.gap * p.jawShare;
}

import type { AvatarExpression, ExpressionWeights } from './expressions.js';
import type { IdlePose } from './idle-life.js';

type PoseOffset = Partial<Pick<IdlePose, 'headPitch' | 'headYaw' | 'headRoll' | 'gazePitch' | 'browRaise'>>;

/**
 * What each expression does with the head and eyes, in radians (positive pitch looks up, positive
 * roll tilts towards the avatar's left shoulder): sadness lowers head and gaze, concern tilts the
 * head as listeners do in empathy, surprise draws it back, anger lowers it.
 */
const EXPRESSION_POSE: Readonly<Record<AvatarExpression, PoseOffset>> = {
  neutral: {},
  happy: { headPitch: 0.03, headRoll: 0.035 },
  sad: { headPitch: -0.09, gazePitch: -0.09, headRoll: -0.03 },
  surprised: { headPitch: 0.05 },
  concerned: { headPitch: -0.03, headRoll: 0.07 },
  angry: { headPitch: -0.06 },
};

/** The pose with the expressions' head and gaze offsets added, weighted by the expression mix. */
export function withExpressionPose(pose: IdlePose, expressions: Readonly<ExpressionWeights>): IdlePose {
  const out = { ...pose };
  for (const [name, w] of Object.entries(expressions) as [AvatarExpression, number][]) {
    if (w <= 0) continue;
    for (const [key, value] of Object.entries(EXPRESSION_POSE[name]) as [keyof PoseOffset, number][])
      out[key] += value * w;
  }
  return out;
}

import { seededRandom } from '@visemo/core/seeded-random';
import type { VisemeCue } from '@visemo/core/visemes-types';
import { withExpressionPose } from './expression-pose.js';
import { type AvatarExpression, ExpressionBlender } from './expressions.js';
import type { FaceState } from './face-channels.js';
import { type AvatarState, IdleLife, type IdleLifeOptions, type IdlePose } from './idle-life.js';
import { type Gesture, type GestureKind, SpeechGestures, type SpeechText } from './speech-gestures.js';
import { VisemeTrack, type VisemeTrackOptions } from './viseme-track.js';
import { VISEMES, type Viseme, type VisemeWeights, zeroVisemeWeights } from './visemes.js';

export interface FaceAnimatorOptions extends IdleLifeOptions, VisemeTrackOptions {
  /** Default expression cross-fade time in ms. */
  expressionTransitionMs?: number;
}

/**
 * The renderer-independent half of an avatar: viseme track, expression blend, idle life and the
 * gestures that go with speech, combined into one face state per frame. Both the WebGL and the SVG
 * avatar draw from it.
 */
export class FaceAnimator {
  readonly track: VisemeTrack;
  readonly expressions: ExpressionBlender;
  readonly idle: IdleLife;
  readonly gestures: SpeechGestures;
  private manual: VisemeWeights | null = null;
  private last: FaceState;

  constructor(options: FaceAnimatorOptions = {}) {
    this.track = new VisemeTrack(options);
    this.expressions = new ExpressionBlender({ transitionMs: options.expressionTransitionMs });
    this.idle = new IdleLife(options);
    // Gestures draw from their own stream, so planning them does not shift idle motion.
    this.gestures = new SpeechGestures({
      random: seededRandom(Math.floor((options.random ?? Math.random)() * 2 ** 32)),
      reducedMotion: options.reducedMotion,
    });
    this.last = {
      visemes: zeroVisemeWeights(),
      expressions: { ...this.expressions.weights() },
      pose: this.idle.update(0),
    };
  }

  /** Queues an utterance's visemes and plans its gestures (nods on stressed syllables, a shrug for a question…). */
  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number, speech?: SpeechText): Gesture[] {
    this.track.schedule(cues, startTimeSec);
    return this.gestures.schedule(cues, startTimeSec, speech);
  }

  stopVisemes(atSec: number): void {
    this.track.stop(atSec);
    this.gestures.stop(atSec);
  }

  /** A gesture now or at `atSec` on the caller's clock; null with reduced motion. */
  gesture(kind: GestureKind, atSec: number, amplitude?: number): Gesture | null {
    return this.gestures.trigger(kind, atSec, amplitude);
  }

  setReducedMotion(reduced: boolean): void {
    this.idle.setReducedMotion(reduced);
    this.gestures.setReducedMotion(reduced);
  }

  /** Holds these viseme weights instead of the track's (null returns to the track). */
  setVisemeWeights(weights: Partial<Record<Viseme, number>> | null): void {
    if (!weights) {
      this.manual = null;
      return;
    }
    const out = zeroVisemeWeights();
    for (const v of VISEMES) out[v] = Math.min(1, Math.max(0, weights[v] ?? 0));
    this.manual = out;
  }

  setExpression(name: AvatarExpression, intensity?: number, transitionMs?: number): void {
    this.expressions.set(name, intensity, transitionMs);
  }

  setState(state: AvatarState): void {
    this.idle.setState(state);
  }

  /** One frame: visemes sampled at `nowSec` on the caller's clock; idle life and fades advanced by `dtSec`. */
  step(nowSec: number, dtSec: number): FaceState {
    const visemes = this.manual ? { ...this.manual } : this.track.sample(nowSec);
    const expressions = { ...this.expressions.update(dtSec) };
    const pose = withGestures(
      withExpressionPose(this.idle.update(dtSec), expressions),
      this.gestures,
      nowSec,
    );
    this.last = { visemes, expressions, pose };
    return this.last;
  }

  /** The face computed by the last `step`. */
  current(): FaceState {
    return this.last;
  }
}

function withGestures(pose: IdlePose, gestures: SpeechGestures, nowSec: number): IdlePose {
  const g = gestures.sample(nowSec);
  return {
    ...pose,
    headPitch: pose.headPitch + g.headPitch,
    headYaw: pose.headYaw + g.headYaw,
    headRoll: pose.headRoll + g.headRoll,
    shrug: Math.max(pose.shrug, g.shrug),
    browRaise: Math.min(1, pose.browRaise + g.browRaise),
  };
}

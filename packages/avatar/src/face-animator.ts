import type { VisemeCue } from '@visemo/core/visemes-types';
import { type AvatarExpression, ExpressionBlender } from './expressions.js';
import type { FaceState } from './face-channels.js';
import { type AvatarState, IdleLife, type IdleLifeOptions } from './idle-life.js';
import { VisemeTrack, type VisemeTrackOptions } from './viseme-track.js';
import { VISEMES, type Viseme, type VisemeWeights, zeroVisemeWeights } from './visemes.js';

export interface FaceAnimatorOptions extends IdleLifeOptions, VisemeTrackOptions {
  /** Default expression cross-fade time in ms. */
  expressionTransitionMs?: number;
}

/**
 * The renderer-independent half of an avatar: viseme track, expression blend and idle life,
 * combined into one face state per frame. Both the WebGL and the SVG avatar draw from it.
 */
export class FaceAnimator {
  readonly track: VisemeTrack;
  readonly expressions: ExpressionBlender;
  readonly idle: IdleLife;
  private manual: VisemeWeights | null = null;
  private last: FaceState;

  constructor(options: FaceAnimatorOptions = {}) {
    this.track = new VisemeTrack(options);
    this.expressions = new ExpressionBlender({ transitionMs: options.expressionTransitionMs });
    this.idle = new IdleLife(options);
    this.last = {
      visemes: zeroVisemeWeights(),
      expressions: { ...this.expressions.weights() },
      pose: this.idle.update(0),
    };
  }

  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number): void {
    this.track.schedule(cues, startTimeSec);
  }

  stopVisemes(atSec: number): void {
    this.track.stop(atSec);
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
    this.last = {
      visemes,
      expressions: { ...this.expressions.update(dtSec) },
      pose: this.idle.update(dtSec),
    };
    return this.last;
  }

  /** The face computed by the last `step`. */
  current(): FaceState {
    return this.last;
  }
}

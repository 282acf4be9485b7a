import type { Expression } from '@visemo/core';

/**
 * The dialogue's expressions, as `EXPRESSIONS` in core's agent schema. Repeated here (checked
 * against core's type) because importing core's runtime would pull its schema library into the
 * browser bundle.
 */
export const AVATAR_EXPRESSIONS = [
  'neutral',
  'happy',
  'sad',
  'surprised',
  'concerned',
  'angry',
] as const satisfies readonly Expression[];
export type AvatarExpression = Expression;
export type ExpressionWeights = Record<AvatarExpression, number>;

export function zeroExpressionWeights(): ExpressionWeights {
  return { neutral: 0, happy: 0, sad: 0, surprised: 0, concerned: 0, angry: 0 };
}

export function isAvatarExpression(name: string): name is AvatarExpression {
  return (AVATAR_EXPRESSIONS as readonly string[]).includes(name);
}

function smoothstep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

/**
 * Cross-fades between expressions. `neutral` means every expression at 0. The fade starts from
 * whatever is showing, so a new expression arriving mid-fade does not jump.
 */
export class ExpressionBlender {
  private from = zeroExpressionWeights();
  private to = zeroExpressionWeights();
  private current = zeroExpressionWeights();
  private elapsed = 0;
  private duration = 0;
  private readonly defaultTransitionMs: number;

  constructor(options: { transitionMs?: number } = {}) {
    this.defaultTransitionMs = options.transitionMs ?? 350;
  }

  set(name: AvatarExpression, intensity = 1, transitionMs = this.defaultTransitionMs): void {
    const target = zeroExpressionWeights();
    if (name !== 'neutral') target[name] = Math.min(1, Math.max(0, intensity));
    this.from = { ...this.current };
    this.to = target;
    this.elapsed = 0;
    this.duration = Math.max(0, transitionMs) / 1000;
    if (this.duration === 0) this.current = { ...target };
  }

  /** Advances the fade by `dtSec` and returns the weights to show. */
  update(dtSec: number): Readonly<ExpressionWeights> {
    if (this.duration > 0 && this.elapsed < this.duration) {
      this.elapsed = Math.min(this.duration, this.elapsed + Math.max(0, dtSec));
      const k = smoothstep(this.elapsed / this.duration);
      for (const key of Object.keys(this.current) as AvatarExpression[]) {
        this.current[key] = this.from[key] + (this.to[key] - this.from[key]) * k;
      }
    }
    return this.current;
  }

  weights(): Readonly<ExpressionWeights> {
    return this.current;
  }

  /** The expression being faded to, with its intensity. */
  target(): { name: AvatarExpression; intensity: number } {
    for (const key of Object.keys(this.to) as AvatarExpression[]) {
      if (this.to[key] > 0) return { name: key, intensity: this.to[key] };
    }
    return { name: 'neutral', intensity: 1 };
  }
}

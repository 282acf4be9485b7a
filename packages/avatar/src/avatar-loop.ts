import { seededRandom } from '@visemo/core/seeded-random';
import type { VisemeCue } from '@visemo/core/visemes-types';
import { type Avatar, type AvatarOptions, prefersReducedMotion } from './avatar.js';
import type { AvatarExpression } from './expressions.js';
import { FaceAnimator } from './face-animator.js';
import type { FaceState } from './face-channels.js';
import { FrameRateCounter } from './frame-rate.js';
import type { AvatarState } from './idle-life.js';
import type { GestureKind, SpeechText } from './speech-gestures.js';
import type { Viseme } from './visemes.js';

const wallSeconds = () => performance.now() / 1000;

/**
 * What every avatar does besides drawing: clock, frame loop, animator, frame rate. Subclasses
 * implement `draw`, which shows one face and returns the morph weights it applied.
 */
export abstract class AvatarLoop implements Avatar {
  abstract readonly kind: 'webgl' | 'svg';
  abstract readonly element: Element;
  protected readonly animator: FaceAnimator;
  private clock: () => number;
  private frameHandle = 0;
  private lastWall = -1;
  private readonly frameRate = new FrameRateCounter();
  private morphWeights: Record<string, number> = {};
  protected disposed = false;

  constructor(options: AvatarOptions) {
    this.clock = options.clock ?? wallSeconds;
    this.animator = new FaceAnimator({
      reducedMotion: options.reducedMotion ?? prefersReducedMotion(),
      random: seededRandom(options.seed ?? (Math.random() * 2 ** 32) >>> 0),
      gain: options.visemeGain,
    });
  }

  protected abstract draw(face: FaceState, dtSec: number): Record<string, number>;
  abstract resize(width?: number, height?: number): void;

  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number, speech?: SpeechText): void {
    this.animator.scheduleVisemes(cues, startTimeSec, speech);
  }

  gesture(kind: GestureKind, atSec?: number): void {
    this.animator.gesture(kind, atSec ?? this.clock());
  }

  stopVisemes(atSec?: number): void {
    this.animator.stopVisemes(atSec ?? this.clock());
  }

  setVisemeWeights(weights: Partial<Record<Viseme, number>> | null): void {
    this.animator.setVisemeWeights(weights);
  }

  setExpression(name: AvatarExpression, intensity?: number, transitionMs?: number): void {
    this.animator.setExpression(name, intensity, transitionMs);
  }

  setState(state: AvatarState): void {
    this.animator.setState(state);
  }

  getState(): AvatarState {
    return this.animator.idle.getState();
  }

  setReducedMotion(reduced: boolean): void {
    this.animator.setReducedMotion(reduced);
  }

  setClock(clock: () => number): void {
    this.clock = clock;
  }

  update(nowSec?: number, dtSec?: number): void {
    if (this.disposed) return;
    const wall = wallSeconds();
    const dt = dtSec ?? (this.lastWall < 0 ? 0 : wall - this.lastWall);
    this.lastWall = wall;
    const face = this.animator.step(nowSec ?? this.clock(), dt);
    this.morphWeights = this.draw(face, dt);
    this.frameRate.tick(wall * 1000);
  }

  start(): void {
    if (this.frameHandle || this.disposed || typeof requestAnimationFrame !== 'function') return;
    const frame = () => {
      this.frameHandle = requestAnimationFrame(frame);
      this.update();
    };
    this.frameHandle = requestAnimationFrame(frame);
  }

  stop(): void {
    if (this.frameHandle) cancelAnimationFrame(this.frameHandle);
    this.frameHandle = 0;
    this.lastWall = -1;
  }

  getMorphWeights(): Record<string, number> {
    return { ...this.morphWeights };
  }

  getVisemeWeights(): Record<Viseme, number> {
    return { ...this.animator.current().visemes };
  }

  getFrameRate(): number {
    return this.frameRate.fps;
  }

  /** Frames drawn since creation. */
  getFrameCount(): number {
    return this.frameRate.frames;
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
    this.element.remove();
  }
}

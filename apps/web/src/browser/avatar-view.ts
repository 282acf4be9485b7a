import type { SpeechText } from '@visemo/avatar';
import type { Expression, Viseme, VisemeCue } from '@visemo/core';

export type AvatarActivity = 'idle' | 'listening' | 'thinking' | 'speaking';

/**
 * What the page needs from an avatar renderer. Times are seconds on the clock the page passes to
 * `update()` — the client's heard AudioContext time — so lips follow the audio, not the wall clock.
 */
export interface AvatarView {
  /** 'webgl' (3D character or a loaded model) or '2d' (the fallback drawing). */
  readonly renderer: 'webgl' | '2d';
  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number, speech?: SpeechText): void;
  /** Barge-in: nothing scheduled after `atSec` plays; the mouth relaxes instead of snapping shut. */
  stopVisemes(atSec: number): void;
  update(nowSec: number): void;
  setExpression(expression: Expression, intensity: number): void;
  setState(state: AvatarActivity): void;
  /** The mouth shapes shown by the last `update()`, 0..1 each (sil carries the rest). */
  visemeWeights(): Readonly<Partial<Record<Viseme, number>>>;
  /**
   * How a model file would be drawn: `gpu` (the 3D renderer, on a graphics card or already in use),
   * `cpu` (WebGL runs in software here: the 2D face is shown and a model would be slow), `none`
   * (no WebGL: a model cannot be shown at all).
   */
  readonly modelRenderer: 'gpu' | 'cpu' | 'none';
  /**
   * Replaces the character with a VRM or glTF/GLB file, switching to the 3D renderer if the 2D
   * face is shown; rejects when the file cannot be shown.
   */
  loadModel(file: File): Promise<void>;
  /** Back to the built-in character. */
  useBuiltIn(): Promise<void>;
  dispose(): void;
}

export interface AvatarViewOptions {
  reducedMotion: boolean;
}

/** Stands in until the avatar chunk has loaded (or if it fails to): draws nothing, mouth at rest. */
export class AbsentAvatar implements AvatarView {
  readonly renderer = '2d' as const;
  readonly modelRenderer = 'gpu' as const;
  scheduleVisemes(): void {}
  stopVisemes(): void {}
  update(): void {}
  setExpression(): void {}
  setState(): void {}
  visemeWeights(): Readonly<Partial<Record<Viseme, number>>> {
    return { sil: 1 };
  }
  async loadModel(): Promise<void> {
    throw new Error('the avatar is still loading');
  }
  async useBuiltIn(): Promise<void> {}
  dispose(): void {}
}

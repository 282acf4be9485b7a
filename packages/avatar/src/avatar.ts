import type { VisemeCue } from '@visemo/core/visemes-types';
import type { AvatarExpression } from './expressions.js';
import type { AvatarState } from './idle-life.js';
import type { AvatarLookSpec } from './look.js';
import type { GestureKind, SpeechText } from './speech-gestures.js';
import type { Viseme } from './visemes.js';

/** A model file: URL (or object URL), bytes, or either with the format stated. */
export type AvatarModelSource =
  | string
  | ArrayBuffer
  | { url?: string; data?: ArrayBuffer; format?: 'vrm' | 'gltf' };

export interface AvatarOptions {
  /** `auto` (default) uses WebGL when the browser has it, the SVG face otherwise. */
  renderer?: 'auto' | 'webgl' | 'svg';
  /** The built-in character's look: which character, and its colours (both renderers). */
  look?: AvatarLookSpec;
  /** A VRM or glTF/GLB character instead of the built-in one (WebGL only). */
  model?: AvatarModelSource;
  /** The clock viseme times refer to, in seconds; usually `() => audioContext.currentTime`. */
  clock?: () => number;
  /** No saccades, head sway, breathing or gestures (blinks remain). Default: the user's `prefers-reduced-motion`. */
  reducedMotion?: boolean;
  /** Run a requestAnimationFrame loop (default true). Without it, call `update()` yourself. */
  autoStart?: boolean;
  /** CSS colour, `gradient` (default, a soft backdrop) or `transparent`. */
  background?: string;
  /** Drawing-buffer pixel ratio (default: min(devicePixelRatio, 2), or 0.7 at low quality). */
  pixelRatio?: number;
  /**
   * `low`: no multisampling and a 0.7 drawing-buffer scale; `auto` (default) picks `low` when WebGL
   * runs in software (SwiftShader, llvmpipe), `high` otherwise.
   */
  quality?: 'auto' | 'high' | 'low';
  /** Seed for idle motion, for reproducible screenshots. */
  seed?: number;
  /** Scales viseme weights (0..1): a more discreet mouth below 1. */
  visemeGain?: number;
}

/** What a web page or client SDK drives; the WebGL and SVG avatars both implement it. */
export interface Avatar {
  readonly kind: 'webgl' | 'svg';
  /** The element the avatar draws into (a canvas or an svg), already inside the container. */
  readonly element: Element;
  /**
   * Queues visemes whose `startMs`/`endMs` are relative to `startTimeSec` on the avatar's clock
   * (for an audio chunk: the `AudioContext` time at which its first sample plays). The head nods
   * on stressed syllables and settles at phrase boundaries; with `speech.text` a question ends in
   * a shrug, "yes"/"no" get a nod/shake and emphasis a brow flash.
   */
  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number, speech?: SpeechText): void;
  /**
   * A head or shoulder gesture at `atSec` (default: now): `nod`, `shake`, `shrug`, `tilt`, `beat`,
   * `browFlash`. Speech plans its own (see `scheduleVisemes`); none with reduced motion.
   */
  gesture(kind: GestureKind, atSec?: number): void;
  /** Barge-in: drops visemes after `atSec` (default: now) and lets the mouth close smoothly. */
  stopVisemes(atSec?: number): void;
  /** Holds these viseme weights instead of the schedule (null returns to the schedule). */
  setVisemeWeights(weights: Partial<Record<Viseme, number>> | null): void;
  /** Cross-fades to an expression (0..1 intensity); `neutral` clears it. Visemes keep playing over it. */
  setExpression(name: AvatarExpression, intensity?: number, transitionMs?: number): void;
  setState(state: AvatarState): void;
  getState(): AvatarState;
  setReducedMotion(reduced: boolean): void;
  setClock(clock: () => number): void;
  /**
   * Advances to `nowSec` on the clock (default: the clock's current time) and draws a frame. Idle
   * life moves by `dtSec` (default: wall time since the previous frame, at most 0.25 s).
   */
  update(nowSec?: number, dtSec?: number): void;
  start(): void;
  stop(): void;
  /** Resizes the drawing to the container (or the given CSS pixel size). */
  resize(width?: number, height?: number): void;
  /** The weights last applied to the character's morph channels (or VRM expressions), by name. */
  getMorphWeights(): Record<string, number>;
  /** The blended viseme weights of the last frame. */
  getVisemeWeights(): Record<Viseme, number>;
  /** Frames drawn per second over the last second. */
  getFrameRate(): number;
  dispose(): void;
}

export function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

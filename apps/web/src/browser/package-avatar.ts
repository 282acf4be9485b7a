import type { Avatar, SpeechText } from '@visemo/avatar';
import type { Expression, Viseme, VisemeCue } from '@visemo/core';
import type { AvatarActivity, AvatarView } from './avatar-view.js';

/**
 * An @visemo/avatar renderer (the SVG face or the Three.js character) behind the page's AvatarView.
 * The page runs the frame loop and passes the heard audio time to `update()`, so the avatar is
 * created with `autoStart: false`.
 */
export class PackageAvatar implements AvatarView {
  private expression: { name: Expression; intensity: number } = { name: 'neutral', intensity: 0 };
  private state: AvatarActivity = 'idle';

  constructor(
    private avatar: Avatar,
    /** Makes a fresh avatar with the built-in character, for `useBuiltIn()` after a model file. */
    private readonly rebuild: (() => Promise<Avatar>) | null,
    /** Makes the 3D renderer where the 2D face was chosen but WebGL exists, for a model file. */
    private readonly make3d: { make: () => Promise<Avatar>; software: boolean } | null = null,
  ) {}

  get modelRenderer(): 'gpu' | 'cpu' | 'none' {
    if (this.avatar.kind === 'webgl') return 'gpu';
    if (!this.make3d) return 'none';
    return this.make3d.software ? 'cpu' : 'gpu';
  }

  get renderer(): 'webgl' | '2d' {
    return this.avatar.kind === 'webgl' ? 'webgl' : '2d';
  }

  /** The wrapped avatar, for debugging and tests. */
  get inner(): Avatar {
    return this.avatar;
  }

  /** The expression last asked for, for debugging and tests. */
  get shownExpression(): { name: Expression; intensity: number } {
    return this.expression;
  }

  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number, speech?: SpeechText): void {
    this.avatar.scheduleVisemes(cues, startTimeSec, speech);
  }

  stopVisemes(atSec: number): void {
    this.avatar.stopVisemes(atSec);
  }

  update(nowSec: number): void {
    this.avatar.update(nowSec);
  }

  setExpression(expression: Expression, intensity: number): void {
    this.expression = { name: expression, intensity };
    this.avatar.setExpression(expression, intensity);
  }

  setState(state: AvatarActivity): void {
    this.state = state;
    this.avatar.setState(state);
  }

  visemeWeights(): Readonly<Partial<Record<Viseme, number>>> {
    return this.avatar.getVisemeWeights();
  }

  async loadModel(file: File): Promise<void> {
    const switched = this.avatar.kind !== 'webgl' && this.make3d !== null;
    if (switched && this.make3d) this.replace(await this.make3d.make());
    const avatar = this.avatar as Avatar & {
      loadModel?: (source: { data: ArrayBuffer; format: 'vrm' | 'gltf' }) => Promise<unknown>;
    };
    if (avatar.kind !== 'webgl' || !avatar.loadModel) {
      throw new Error('this browser has no WebGL, which 3D models need');
    }
    try {
      await avatar.loadModel({
        data: await file.arrayBuffer(),
        format: /\.vrm$/i.test(file.name) ? 'vrm' : 'gltf',
      });
    } catch (error) {
      // The 3D renderer came only for this file: the face chosen for the browser comes back.
      if (switched) await this.useBuiltIn();
      throw error;
    }
  }

  async useBuiltIn(): Promise<void> {
    if (!this.rebuild) return;
    this.replace(await this.rebuild());
  }

  private replace(fresh: Avatar): void {
    this.avatar.dispose();
    this.avatar = fresh;
    fresh.setState(this.state);
    fresh.setExpression(this.expression.name, this.expression.intensity);
  }

  dispose(): void {
    this.avatar.dispose();
  }
}

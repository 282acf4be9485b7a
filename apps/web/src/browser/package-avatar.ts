import type { Avatar } from '@visemo/avatar';
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
  ) {}

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

  scheduleVisemes(cues: readonly VisemeCue[], startTimeSec: number): void {
    this.avatar.scheduleVisemes(cues, startTimeSec);
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
    const avatar = this.avatar as Avatar & {
      loadModel?: (source: { data: ArrayBuffer; format: 'vrm' | 'gltf' }) => Promise<unknown>;
    };
    if (avatar.kind !== 'webgl' || !avatar.loadModel) {
      throw new Error('this browser has no WebGL, which 3D models need');
    }
    await avatar.loadModel({
      data: await file.arrayBuffer(),
      format: /\.vrm$/i.test(file.name) ? 'vrm' : 'gltf',
    });
  }

  async useBuiltIn(): Promise<void> {
    if (!this.rebuild) return;
    const fresh = await this.rebuild();
    this.avatar.dispose();
    this.avatar = fresh;
    fresh.setState(this.state);
    fresh.setExpression(this.expression.name, this.expression.intensity);
  }

  dispose(): void {
    this.avatar.dispose();
  }
}

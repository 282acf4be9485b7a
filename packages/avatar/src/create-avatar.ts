import type { Avatar, AvatarOptions } from './avatar.js';
import { SvgAvatar } from './svg-avatar.js';

/** Whether this browser can create a WebGL context (false with WebGL disabled or blocklisted). */
export function isWebGLAvailable(): boolean {
  if (typeof document === 'undefined') return false;
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

/**
 * Creates an avatar inside `container`: the Three.js renderer when WebGL is available (loading
 * `options.model` if given), the SVG face otherwise or when `renderer: 'svg'`. Three.js is loaded
 * only on the WebGL path.
 */
export async function createAvatar(container: HTMLElement, options: AvatarOptions = {}): Promise<Avatar> {
  const wanted = options.renderer ?? 'auto';
  if (wanted === 'svg' || (wanted === 'auto' && !isWebGLAvailable()))
    return new SvgAvatar(container, options);
  const { ThreeAvatar } = await import('./three-avatar.js');
  let avatar: InstanceType<typeof ThreeAvatar>;
  try {
    avatar = new ThreeAvatar(container, options);
  } catch (error) {
    // A context can still fail after the probe (lost GPU, too many contexts): fall back.
    if (wanted === 'webgl') throw error;
    return new SvgAvatar(container, options);
  }
  if (options.model) {
    try {
      await avatar.loadModel(options.model);
    } catch (error) {
      avatar.dispose();
      throw error;
    }
  }
  return avatar;
}

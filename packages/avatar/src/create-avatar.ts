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
  // Load the model before creating the renderer, so the built-in character is never built for nothing.
  const model = options.model
    ? await (await import('./loaders.js')).loadAvatarModel(options.model)
    : undefined;
  try {
    return new ThreeAvatar(container, options, model);
  } catch (error) {
    // A context can still fail after the probe (lost GPU, too many contexts): fall back.
    model?.dispose();
    if (wanted === 'webgl' || options.model) throw error;
    return new SvgAvatar(container, options);
  }
}

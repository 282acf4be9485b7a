import { type AvatarLookSpec, createAvatar, isWebGLAvailable } from '@visemo/avatar';
import type { AvatarView, AvatarViewOptions } from './avatar-view.js';
import { PackageAvatar } from './package-avatar.js';

export type AvatarChoice = 'auto' | 'svg' | 'webgl';

/**
 * Whether WebGL runs on the CPU (SwiftShader, llvmpipe): there the 3D character draws a frame in
 * hundreds of milliseconds (measured: ~500 ms per frame in headless Chromium on 2 cores) and starves
 * the page, so the SVG face is the better avatar.
 */
export function isSoftwareWebGL(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  } catch {
    return false;
  }
}

/**
 * The avatar: the Three.js character where WebGL runs on a GPU, the SVG face otherwise. Loaded as a
 * chunk of its own after the page is up (three.js is most of the app's bytes), so it never delays
 * the connection or the greeting.
 */
export async function createPageAvatar(
  host: HTMLElement,
  options: AvatarViewOptions & { renderer: AvatarChoice; look?: AvatarLookSpec },
): Promise<AvatarView> {
  const renderer =
    options.renderer === 'svg' || !isWebGLAvailable() || (options.renderer === 'auto' && isSoftwareWebGL())
      ? 'svg'
      : 'webgl';
  const settings = {
    autoStart: false,
    reducedMotion: options.reducedMotion,
    ...(options.look ? { look: options.look } : {}),
  };
  const make = async () => {
    // A WebGL context can still fail after the probe (lost GPU, too many contexts): the face remains.
    const avatar = await createAvatar(host, { ...settings, renderer }).catch(() =>
      createAvatar(host, { ...settings, renderer: 'svg' }),
    );
    // Fill the frame, whatever its shape, rather than letterbox the face.
    if (avatar.kind === 'svg') avatar.element.setAttribute('preserveAspectRatio', 'xMidYMid slice');
    return avatar;
  };
  // The face was chosen, yet WebGL exists (in software, or the face was asked for): a model file
  // can still be drawn, by the 3D renderer made for it.
  const make3d =
    renderer === 'svg' && isWebGLAvailable()
      ? { make: () => createAvatar(host, { ...settings, renderer: 'webgl' }), software: isSoftwareWebGL() }
      : null;
  return new PackageAvatar(await make(), make, make3d);
}

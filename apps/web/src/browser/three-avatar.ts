import type { AvatarView, AvatarViewOptions } from './avatar-view.js';

/**
 * The 3D character from @visemo/avatar behind the page's AvatarView seam. Until that renderer is
 * available this resolves to null and the page keeps its 2D face.
 */
export async function createThreeAvatar(
  _host: HTMLElement,
  _options: AvatarViewOptions,
): Promise<AvatarView | null> {
  return null;
}

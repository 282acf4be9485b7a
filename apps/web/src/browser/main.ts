import type { AvatarView } from './avatar-view.js';
import { ConversationPage } from './conversation-page.js';
import { SyncProbe } from './sync-probe.js';

const params = new URLSearchParams(location.search);
const serverUrl =
  params.get('server') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
const probe = params.get('probe') === 'sync' ? new SyncProbe() : undefined;

function hasWebGL(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

/** The 3D renderer is a separate chunk, fetched after the page is up so it never delays the greeting. */
async function loadRenderer(host: HTMLElement, reducedMotion: boolean): Promise<AvatarView | null> {
  if (params.get('avatar') === '2d' || !hasWebGL()) return null;
  const { createThreeAvatar } = await import('./three-avatar.js');
  return createThreeAvatar(host, { reducedMotion });
}

const page = new ConversationPage({ serverUrl, loadRenderer, ...(probe ? { probe } : {}) });
page.start();
// For debugging and the browser tests.
Object.assign(window, { visemo: { page, probe } });

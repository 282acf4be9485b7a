import type { ClientEvent, VisemoClient } from '@visemo/client';
import type { AvatarView } from './avatar-view.js';
import { ConversationPage } from './conversation-page.js';
import { SyncProbe } from './sync-probe.js';

const params = new URLSearchParams(location.search);
const serverUrl =
  params.get('server') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
const probe = params.get('probe') === 'sync' ? new SyncProbe() : undefined;

/** The avatar package is a chunk of its own, fetched after the page is up: it never delays the greeting. */
async function loadRenderer(host: HTMLElement, reducedMotion: boolean): Promise<AvatarView> {
  const { createPageAvatar } = await import('./page-avatar.js');
  // ?avatar=2d or ?avatar=3d overrides the choice (demos, tests).
  const forced = params.get('avatar');
  return createPageAvatar(host, {
    reducedMotion,
    renderer: forced === '2d' ? 'svg' : forced === '3d' ? 'webgl' : 'auto',
  });
}

/** `?trace`: every SDK event with its time, for debugging and the browser tests (big payloads left out). */
const trace: Record<string, unknown>[] = [];
const onEvent = params.has('trace')
  ? (event: ClientEvent, client: VisemoClient) => {
      const {
        buffer: _buffer,
        cues: _cues,
        visemes: _visemes,
        words: _words,
        ...rest
      } = event as ClientEvent & Record<string, unknown>;
      trace.push({ ...rest, at: performance.now(), heard: client.currentTime });
    }
  : undefined;

const page = new ConversationPage({
  serverUrl,
  loadRenderer,
  ...(probe ? { probe } : {}),
  ...(onEvent ? { onEvent } : {}),
});
page.start();
Object.assign(window, { visemo: { page, probe, trace } });

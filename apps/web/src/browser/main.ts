import type { ClientEvent, VisemoClient } from '@visemo/client';
import type { AvatarView } from './avatar-view.js';
import { ConversationPage } from './conversation-page.js';
import { SyncProbe } from './sync-probe.js';

const params = new URLSearchParams(location.search);
const ownServer = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
/**
 * `?server=` (demos, development) may name this page's own server, or one whose origin the
 * operator lists in `<meta name="visemo-allowed-servers" content="wss://avatar.example …">`;
 * anything else is ignored, with a notice: a link must not send a visitor's microphone elsewhere.
 */
function chosenServer(asked: string | null): string {
  if (asked === null) return ownServer;
  const listed =
    document.querySelector<HTMLMetaElement>('meta[name="visemo-allowed-servers"]')?.content ?? '';
  const parse = (url: string) => {
    try {
      return new URL(url, location.href);
    } catch {
      return null;
    }
  };
  const originOf = (url: string) => parse(url)?.origin;
  const allowed = [
    originOf(ownServer),
    ...listed
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(originOf),
  ];
  const url = parse(asked);
  if (url && /^wss?:$/.test(url.protocol) && allowed.includes(url.origin)) return url.href;
  const notice = Object.assign(document.createElement('p'), {
    className: 'notice',
    id: 'server-notice',
    textContent: `The link asked to connect to another server (${url?.host || asked}), which this page does not allow. It uses its own.`,
  });
  notice.setAttribute('role', 'alert');
  document.getElementById('log')?.before(notice);
  return ownServer;
}
const serverUrl = chosenServer(params.get('server'));
/**
 * Where the page gets its session token: the server's own dev-mode endpoint unless the operator's
 * page names its site's endpoint in `<meta name="visemo-token-url">`. It answers `{ "token": … }`;
 * 404 means an open server that asks for none.
 */
const tokenUrl =
  document.querySelector<HTMLMetaElement>('meta[name="visemo-token-url"]')?.content || '/v1/dev-token';
async function fetchToken(): Promise<string> {
  const response = await fetch(tokenUrl, { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 404) return '';
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('the token endpoint sent no token');
  return body.token;
}
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
  token: fetchToken,
  loadRenderer,
  ...(probe ? { probe } : {}),
  ...(onEvent ? { onEvent } : {}),
});
page.start();
Object.assign(window, { visemo: { page, probe, trace } });

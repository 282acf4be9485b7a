import type { ClientEvent, VisemoClient } from '@visemo/client';
import type { AvatarView } from './avatar-view.js';
import { ConversationPage, type RendererChoice } from './conversation-page.js';
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
 * page names its site's endpoint in `<meta name="visemo-token-url">`. It answers `{ "token": … }`,
 * or 204 on an open server that asks for none.
 */
const tokenUrl =
  document.querySelector<HTMLMetaElement>('meta[name="visemo-token-url"]')?.content || '/v1/dev-token';
/**
 * The visitor's pseudonymous id from an earlier visit: the dev-mode endpoint issues the same
 * anonymous subject again, so what they allowed to be remembered is found. It is the server's
 * pseudonym, not anything the visitor typed.
 */
const SUBJECT_KEY = 'visemo.subject';
function storedSubject(): string | null {
  try {
    return localStorage.getItem(SUBJECT_KEY);
  } catch {
    return null;
  }
}
function rememberSubject(subjectId: string | null): void {
  try {
    if (subjectId) localStorage.setItem(SUBJECT_KEY, subjectId);
    else localStorage.removeItem(SUBJECT_KEY);
  } catch {
    // Storage refused (private mode): every visit is a new visitor.
  }
}
async function fetchToken(): Promise<string> {
  const subject = storedSubject();
  const url = subject ? `${tokenUrl}?subject=${encodeURIComponent(subject)}` : tokenUrl;
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  // 204: an open server, which asks for no token; 404: a page served apart from its server.
  if (response.status === 204 || response.status === 404) return '';
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('the token endpoint sent no token');
  return body.token;
}
const probe = params.get('probe') === 'sync' ? new SyncProbe() : undefined;

/** The avatar package is a chunk of its own, fetched after the page is up: it never delays the greeting. */
async function loadRenderer(
  host: HTMLElement,
  reducedMotion: boolean,
  choice: Promise<RendererChoice>,
): Promise<AvatarView> {
  const [{ createPageAvatar }, { allow3d, look }] = await Promise.all([import('./page-avatar.js'), choice]);
  // ?avatar=2d or ?avatar=3d overrides the choice (demos, tests), not the operator's flag.
  const forced = params.get('avatar');
  return createPageAvatar(host, {
    reducedMotion,
    renderer: forced === '2d' || !allow3d ? 'svg' : forced === '3d' ? 'webgl' : 'auto',
    ...(look ? { look } : {}),
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

/** `?join=SESSION&invite=CODE`: the invite link a host's page shows (docs/multi-party.md). */
const joinId = params.get('join');
const inviteCode = params.get('invite');
const join = joinId && inviteCode ? { sessionId: joinId, invite: inviteCode } : undefined;
const name = params.get('name')?.trim().slice(0, 40) || undefined;

const page = new ConversationPage({
  serverUrl,
  ...(join ? { join } : {}),
  ...(name ? { name } : {}),
  token: fetchToken,
  rememberSubject,
  loadRenderer,
  ...(probe ? { probe } : {}),
  ...(onEvent ? { onEvent } : {}),
});
page.start();
Object.assign(window, { visemo: { page, probe, trace } });

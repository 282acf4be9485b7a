import type { PhoneTiming, VisemeCue, WordTiming } from '@visemo/core/visemes-types';

/** A viseme track with what it was made from, as the studio routes answer (docs/protocol.md). */
export interface PreviewTrack {
  text: string;
  voice?: string;
  sampleRate: number;
  durationMs: number;
  visemes: VisemeCue[];
  words: WordTiming[];
  phones: PhoneTiming[];
}

export interface StudioVoices {
  voices: string[];
  default: string;
  look: { character: string };
}

/** The server's studio routes; a page of another host sends the admin key it was given. */
export class StudioApi {
  constructor(private readonly adminKey: () => string | null) {}

  voices(): Promise<StudioVoices> {
    return this.call('/v1/studio/voices', { method: 'GET' });
  }

  /** A sentence synthesized with the agent's voice: its track and its audio (a WAV). */
  async speech(text: string, voice: string): Promise<{ track: PreviewTrack; wav: ArrayBuffer }> {
    const answer = await this.call<PreviewTrack & { wav: string }>('/v1/studio/speech', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, voice }),
    });
    const { wav, ...track } = answer;
    return { track, wav: Uint8Array.from(atob(wav), (c) => c.charCodeAt(0)).buffer };
  }

  /** A recording aligned with the text it says. */
  alignment(wav: ArrayBuffer, text: string): Promise<PreviewTrack> {
    return this.call(`/v1/studio/alignment?text=${encodeURIComponent(text)}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: wav,
    });
  }

  protected async call<T>(path: string, init: RequestInit): Promise<T> {
    const response = await this.request(path, init);
    return (await response.json()) as T;
  }

  /** The server's answer, or a `StudioError` with its message when it refused. */
  protected async request(path: string, init: RequestInit): Promise<Response> {
    const key = this.adminKey();
    const headers = new Headers(init.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new StudioError(body.message ?? `the server answered ${response.status}`, response.status);
  }
}

/** A studio route refused: its message, and the status (401: the admin key is wrong or missing). */
export class StudioError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const ADMIN_KEY = 'visemo.studio.adminKey';

/** The admin key this tab was given (`?key=` once, or typed in), kept for the tab only. */
export function storedAdminKey(): string | null {
  return sessionStorage.getItem(ADMIN_KEY);
}

export function keepAdminKey(key: string): void {
  sessionStorage.setItem(ADMIN_KEY, key);
}

/** A key handed over in the link is kept for this tab and taken out of the address. */
export function takeAdminKeyFromLink(params: URLSearchParams): void {
  if (!params.has('key')) return;
  keepAdminKey(params.get('key') ?? '');
  params.delete('key');
  history.replaceState(null, '', `${location.pathname}${params.size > 0 ? `?${params}` : ''}`);
}

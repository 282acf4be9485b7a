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

  private async call<T>(path: string, init: RequestInit): Promise<T> {
    const key = this.adminKey();
    const headers = new Headers(init.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    const body = (await response.json().catch(() => ({}))) as T & { message?: string };
    if (!response.ok) throw new Error(body.message ?? `the server answered ${response.status}`);
    return body;
  }
}

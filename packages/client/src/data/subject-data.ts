import { ErrorCode, VisemoError } from '@visemo/core/errors';
import type { TokenSource } from '../connection/server-connection.js';

/** What a visitor allows to be kept past the conversation (docs/protocol.md, `consent.set`). */
export interface ConsentChoice {
  transcripts: boolean;
  audio: boolean;
  memory: boolean;
}

/** A recorded choice, as the server confirms it. */
export interface ConsentState extends ConsentChoice {
  policyVersion: string;
  decidedAt: string;
}

/** A fact the agent remembers about the visitor. */
export interface MemoryFact {
  key: string;
  value: string;
  updatedAt: string;
}

/**
 * Everything the server stores about the visitor (`GET /v1/me/data`, docs/storage.md): the fields
 * the SDK reads are typed; the rest is kept as sent, for the visitor's download.
 */
export interface SubjectExport {
  sessions?: { turns?: unknown[] }[];
  audio?: unknown[];
  memory?: unknown[];
  consent?: unknown[];
  [field: string]: unknown;
}

/** What the server reports after erasing a visitor: rows deleted per table. */
export interface ErasureResult {
  erased: true;
  report: unknown;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The HTTP origin of a WebSocket endpoint: `wss://host/v1/ws` → `https://host`. */
export function httpOrigin(socketUrl: string): string {
  const url = new URL(socketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  return url.origin;
}

/**
 * The visitor's own data on the server (GDPR Art. 15, 17, 20), over HTTP with the same session
 * token the socket offers: a fresh one per request, since tokens are short-lived.
 */
export class SubjectData {
  private readonly origin: string;
  private readonly fetch: Fetch;

  constructor(
    socketUrl: string,
    private readonly token: TokenSource | undefined,
    fetchImpl?: Fetch,
  ) {
    this.origin = httpOrigin(socketUrl);
    this.fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  export(): Promise<SubjectExport> {
    return this.request<SubjectExport>('GET', '/v1/me/data');
  }

  erase(): Promise<ErasureResult> {
    return this.request<ErasureResult>('DELETE', '/v1/me/data');
  }

  async memory(): Promise<MemoryFact[]> {
    const answer = await this.request<{ facts: MemoryFact[] }>('GET', '/v1/me/memory');
    return answer.facts;
  }

  async forget(key: string): Promise<void> {
    await this.request<null>('DELETE', `/v1/me/memory/${encodeURIComponent(key)}`);
  }

  private async request<T>(method: string, path: string): Promise<T> {
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    if (!token) {
      throw new VisemoError(
        ErrorCode.Unauthorized,
        'this server keeps no data about visitors (no session token)',
      );
    }
    let response: Response;
    try {
      response = await this.fetch(`${this.origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
        cache: 'no-store',
      });
    } catch (error) {
      throw new VisemoError(ErrorCode.SessionClosed, 'the server cannot be reached', { cause: error });
    }
    if (response.status === 204) return null as T;
    const body = (await response.json().catch(() => null)) as { code?: string; message?: string } | null;
    if (!response.ok) {
      const code = Object.values(ErrorCode).includes(body?.code as ErrorCode)
        ? (body?.code as ErrorCode)
        : ErrorCode.Internal;
      throw new VisemoError(code, body?.message ?? `the server answered ${response.status}`);
    }
    return body as T;
  }
}

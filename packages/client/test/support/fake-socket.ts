import type { WebSocketLike } from '../../src/index.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A WebSocket the test plays the server for: it opens, answers and closes when told to. */
export class FakeSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = CONNECTING;
  readonly sent: (string | ArrayBufferLike | ArrayBufferView)[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== OPEN) throw new Error('InvalidStateError: the socket is not open');
    this.sent.push(data);
  }

  /** The client closes; the close event comes when the test calls `closeFromServer()`, as it would later. */
  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  // The server's side.

  accept(): void {
    this.readyState = OPEN;
    this.onopen?.({});
  }

  receive(event: object | string): void {
    this.onmessage?.({ data: typeof event === 'string' ? event : JSON.stringify(event) });
  }

  receiveBinary(bytes: ArrayBuffer): void {
    this.onmessage?.({ data: bytes });
  }

  closeFromServer(code = 1006): void {
    this.readyState = CLOSED;
    this.onclose?.({ code, reason: '' });
  }

  /** The JSON messages the client sent, parsed. */
  messages(): { type: string; [field: string]: unknown }[] {
    return this.sent.flatMap((d) => (typeof d === 'string' ? [JSON.parse(d)] : []));
  }
}

export const sessionStarted = (sessionId = 's1') => ({
  type: 'session.started',
  protocol: 1,
  sessionId,
  agent: { name: 'Ava', language: 'en-US' },
  audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
  limits: { maxTextFrameBytes: 65536, maxBinaryFrameBytes: 262144, maxTextChars: 2000 },
});

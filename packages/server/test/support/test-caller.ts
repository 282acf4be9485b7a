import WebSocket from 'ws';
import type { ServerEvent } from '../../src/protocol/server-events.js';

export type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

const FRAME_MS = 20;
const SAMPLES_PER_FRAME = 320;

/** A protocol client for tests: records every event and binary frame in arrival order. */
export class TestCaller {
  readonly events: ServerEvent[] = [];
  /** Binary frames from the server, each with the index of the event it followed. */
  readonly audio: { afterEvent: number; bytes: Buffer }[] = [];
  closed = false;
  /** The WebSocket close code, once closed. */
  closeCode: number | null = null;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.audio.push({ afterEvent: this.events.length - 1, bytes: data });
      else this.events.push(JSON.parse(data.toString()) as ServerEvent);
      this.wake?.();
    });
    socket.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      this.wake?.();
    });
  }

  /** `token`: a session token, offered as the protocol's subprotocol. */
  static async connect(url: string, token?: string): Promise<TestCaller> {
    const socket = new WebSocket(`${url}/v1/ws`, token ? ['visemo.v1', `visemo.token.${token}`] : []);
    // Listen before the socket opens: a server may send in the same packet as its handshake.
    const caller = new TestCaller(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return caller;
  }

  /** Connects and starts a session; resolves once `session.started` (and the greeting, if any) came. */
  static async start(
    url: string,
    options: Record<string, unknown> = {},
    token?: string,
  ): Promise<TestCaller> {
    const caller = await TestCaller.connect(url, token);
    caller.send({ type: 'session.start', protocol: 1, greet: false, ...options });
    await caller.waitFor('session.started');
    if (options.greet === true) await caller.waitFor('turn.end', (e) => e.turnId === 0);
    return caller;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBinary(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  mark(): number {
    return this.events.length;
  }

  async waitFor<T extends ServerEvent['type']>(
    type: T,
    where: (event: EventOf<T>) => boolean = () => true,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<EventOf<T>> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const found = this.events
        .slice(options.after ?? 0)
        .find((e): e is EventOf<T> => e.type === type && where(e as EventOf<T>));
      if (found) return found;
      if (this.closed) throw new Error(`socket closed while waiting for ${type}; got ${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`no ${type} event; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
      this.wake = null;
    }
  }

  of<T extends ServerEvent['type']>(type: T, after = 0): EventOf<T>[] {
    return this.events.slice(after).filter((e): e is EventOf<T> => e.type === type);
  }

  /** Streams PCM16 16 kHz audio in 20 ms frames at real-time pace, as a microphone would. */
  async speak(samples: Int16Array, options: { trailingSilenceMs?: number } = {}): Promise<void> {
    const trailing = new Int16Array(((options.trailingSilenceMs ?? 800) / 1000) * 16000);
    const all = new Int16Array(samples.length + trailing.length);
    all.set(samples);
    let due = performance.now();
    for (let at = 0; at < all.length; at += SAMPLES_PER_FRAME) {
      if (this.closed) return;
      const frame = all.slice(at, at + SAMPLES_PER_FRAME);
      this.sendBinary(new Uint8Array(frame.buffer));
      due += FRAME_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** `consent.set`, answered: the consent as the server now records it. */
  async consent(choice: {
    transcripts: boolean;
    audio: boolean;
    memory: boolean;
  }): Promise<EventOf<'consent'>> {
    const mark = this.mark();
    this.send({ type: 'consent.set', ...choice });
    return this.waitFor('consent', () => true, { after: mark });
  }

  close(): void {
    this.socket.close();
  }

  private describe(): string {
    return this.events.map((e) => e.type).join(', ') || 'nothing';
  }
}

/** Silence before speech, as a live microphone sends it. */
export function withLeadingSilence(samples: Int16Array, ms = 300): Int16Array {
  const out = new Int16Array((ms / 1000) * 16000 + samples.length);
  out.set(samples, out.length - samples.length);
  return out;
}

import type { ServerEvent } from '@visemo/server';
import WebSocket from 'ws';
import { InputError } from '../args.js';

export type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

const FRAME_MS = 20;
const FRAME_SAMPLES = 320;

/** A server event and when it arrived (performance.now()). */
export interface TimedEvent {
  event: ServerEvent;
  at: number;
}

/**
 * A caller on the WebSocket protocol (docs/protocol.md) with a live microphone: from `start` on it
 * sends a 20 ms PCM16 frame every 20 ms, the lines it is given to say or else the room (silence,
 * or the noise `room` makes), as a browser's capture does. It records every event with its
 * arrival time, and when each turn's first audio arrived.
 */
export class ProtocolCaller {
  readonly events: TimedEvent[] = [];
  /** Per turn: when its first binary audio frame arrived, and how long its audio plays. */
  readonly replyAudio = new Map<number, { firstAt: number; durationMs: number }>();
  closed = false;
  private queue: Int16Array[] = [];
  private queued: (() => void)[] = [];
  private pump: ReturnType<typeof setInterval> | undefined;
  private wake: (() => void) | null = null;
  private lastChunkTurn: number | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly room: (frame: Int16Array) => Int16Array,
  ) {
    socket.on('message', (data: Buffer, isBinary) => {
      const at = performance.now();
      if (isBinary) {
        const turnId = this.lastChunkTurn;
        const audio = turnId === undefined ? undefined : this.replyAudio.get(turnId);
        if (turnId !== undefined && audio && Number.isNaN(audio.firstAt)) audio.firstAt = at;
      } else {
        const event = JSON.parse(data.toString()) as ServerEvent;
        if (event.type === 'audio.chunk') {
          this.lastChunkTurn = event.turnId;
          const audio = this.replyAudio.get(event.turnId) ?? { firstAt: Number.NaN, durationMs: 0 };
          audio.durationMs += event.durationMs;
          this.replyAudio.set(event.turnId, audio);
        }
        this.events.push({ event, at });
      }
      this.wake?.();
    });
    // An error after the socket opened is followed by its close, which ends the call.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.stopMicrophone();
      this.wake?.();
    });
  }

  /** Opens the socket (offering `token`) and starts a session without greeting. */
  static async start(
    wsUrl: string,
    token: string | undefined,
    voice: string,
    room: (frame: Int16Array) => Int16Array,
  ): Promise<ProtocolCaller> {
    const socket = new WebSocket(
      `${wsUrl}/v1/ws`,
      token ? ['visemo.v1', `visemo.token.${token}`] : ['visemo.v1'],
    );
    const caller = new ProtocolCaller(socket, room);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) =>
        reject(new InputError(`cannot connect to ${wsUrl}/v1/ws: ${error.message}`)),
      );
    });
    caller.send({ type: 'session.start', protocol: 1, sampleRate: 16000, voice, greet: false });
    const started = await caller.waitFor(
      (e) => e.type === 'session.started' || (e.type === 'error' && e.fatal),
      15_000,
    );
    if (started?.event.type !== 'session.started') {
      socket.close();
      const reason =
        started?.event.type === 'error' ? `${started.event.code}: ${started.event.message}` : 'no answer';
      throw new InputError(`the server did not start a session (${reason})`);
    }
    caller.pump = setInterval(() => caller.sendFrame(), FRAME_MS);
    return caller;
  }

  send(message: Record<string, unknown>): void {
    if (!this.closed) this.socket.send(JSON.stringify(message));
  }

  /**
   * Queues `samples` on the microphone; resolves when their last frame is sent, with that time.
   * One line at a time: a caller awaits each before queuing the next.
   */
  say(samples: Int16Array): Promise<number> {
    for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(samples.subarray(at, at + FRAME_SAMPLES));
      this.queue.push(frame);
    }
    return new Promise((resolve) => this.queued.push(() => resolve(performance.now())));
  }

  private sendFrame(): void {
    if (this.closed) return;
    const frame = this.queue.shift() ?? new Int16Array(FRAME_SAMPLES);
    const mixed = this.room(frame);
    this.socket.send(Buffer.from(mixed.buffer, mixed.byteOffset, mixed.byteLength));
    if (this.queue.length === 0) for (const done of this.queued.splice(0)) done();
  }

  /** The first event from index `from` on that `where` accepts, waiting up to `timeoutMs`; undefined on timeout or close. */
  async waitFor(
    where: (event: ServerEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<TimedEvent | undefined> {
    let found: TimedEvent | undefined;
    await this.until(() => {
      found = this.events.slice(from).find((e) => where(e.event));
      return found !== undefined;
    }, timeoutMs);
    return found;
  }

  /** Until `condition` holds (checked at every event and every 100 ms), the socket closes or `timeoutMs` passes; whether it held. */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (condition()) return true;
      if (this.closed || performance.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.min(100, Math.max(1, deadline - performance.now())));
      });
      this.wake = null;
    }
  }

  of<T extends ServerEvent['type']>(type: T, from = 0): (TimedEvent & { event: EventOf<T> })[] {
    return this.events
      .slice(from)
      .filter((e): e is TimedEvent & { event: EventOf<T> } => e.event.type === type);
  }

  private stopMicrophone(): void {
    clearInterval(this.pump);
    for (const done of this.queued.splice(0)) done();
  }

  /** Ends the session (`session.end`) and waits for the server to close the socket. */
  async end(): Promise<void> {
    this.stopMicrophone();
    if (this.closed) return;
    this.send({ type: 'session.end' });
    await this.until(() => this.closed, 5000);
    if (!this.closed) this.socket.terminate();
  }
}

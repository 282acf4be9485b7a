import WebSocket from 'ws';
import type { ServerEvent } from '../../src/protocol/server-events.js';

export interface SocketOutcome {
  /** The subprotocol the server picked ('' for none). */
  protocol: string;
  events: ServerEvent[];
  closeCode: number | null;
}

/**
 * Opens a socket with the given subprotocols and headers, optionally starts a session, and
 * reports what came back: the events and the close code once the server closed it, or after the
 * session started.
 */
export async function probeSocket(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string>; start?: boolean } = {},
): Promise<SocketOutcome> {
  const socket = new WebSocket(`${url}/v1/ws`, options.protocols ?? [], { headers: options.headers ?? {} });
  const events: ServerEvent[] = [];
  return new Promise((resolve, reject) => {
    const finish = (closeCode: number | null) => resolve({ protocol: socket.protocol, events, closeCode });
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      events.push(event);
      if (event.type === 'session.started') {
        socket.once('close', () => finish(null));
        socket.close();
      }
    });
    socket.on('open', () => {
      if (options.start) socket.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
    });
    socket.on('close', (code) => {
      if (!events.some((e) => e.type === 'session.started')) finish(code);
    });
    socket.on('error', reject);
  });
}

/** Holds a socket open until `close()`; resolves once the session started. */
export async function openSession(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ socket: WebSocket; close: () => Promise<void> }> {
  const socket = new WebSocket(`${url}/v1/ws`, ['visemo.v1', `visemo.token.${token}`], { headers });
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      if (event.type === 'session.started') resolve();
      else if (event.type === 'error') reject(new Error(`${event.code}: ${event.message}`));
    });
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false })),
    );
    socket.on('error', reject);
  });
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

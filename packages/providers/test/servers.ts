import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Resolves when the client's connection for this request closes or the response ends. */
  closed: Promise<void>;
  /** True once the client went away before the response was finished. */
  clientAborted: () => boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 and a free port that records every request with its body. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let aborted = false;
    const closed = new Promise<void>((resolve) => {
      res.on('close', () => {
        if (!res.writableFinished) aborted = true;
        resolve();
      });
    });
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
      closed,
      clientAborted: () => aborted,
    };
    requests.push(recorded);
    try {
      await handler(recorded, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestSocketServer {
  /** `ws://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** A WebSocket server on 127.0.0.1 that hands each connection and its upgrade request to `onConnection`. */
export async function startSocketServer(
  onConnection: (socket: WebSocket, request: IncomingMessage) => void,
  verify?: (
    request: IncomingMessage,
  ) => { status: number; body: string; headers?: Record<string, string> } | undefined,
): Promise<TestSocketServer> {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const refusal = verify?.(request);
    if (refusal) {
      const headers = Object.entries({ 'content-type': 'application/json', ...refusal.headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\n${headers}content-length: ${Buffer.byteLength(refusal.body)}\r\nconnection: close\r\n\r\n${refusal.body}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `text` in pieces of 1–`max` bytes (cut anywhere, also inside UTF-8 characters), each flushed. */
export async function writeInPieces(res: ServerResponse, text: string, max = 7, seed = 7): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let state = seed;
  for (let i = 0; i < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (state % max);
    res.write(bytes.subarray(i, i + n));
    i += n;
    // Give the socket a turn so pieces travel as separate TCP writes.
    await new Promise((r) => setImmediate(r));
  }
}

/** One OpenAI `chat.completion.chunk` as an SSE `data:` line. */
export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'test-model',
    system_fingerprint: 'fp_test',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;
}

export function sseHeaders(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

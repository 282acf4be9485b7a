import type { EventEmitter } from 'node:events';
import { ErrorCode } from '@visemo/core';
import type { WebSocket } from 'ws';
import type { ServerEvent } from '../protocol/server-events.js';

/** What ws reports when a frame's header announces more than `maxPayload`. */
const OVER_CEILING = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** An error of ws's frame reader: the client broke RFC 6455 or sent a frame over the ceiling. */
export function isProtocolFault(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

/**
 * Tells the client, as a typed `error` event, why ws is about to close its socket: a frame over
 * the ceiling (`payload_too_large`; ws reads the length from the frame's header and refuses it
 * before buffering any of it), or a frame that breaks the WebSocket protocol (`bad_message`).
 *
 * ws closes such a socket in the same call in which it reports the fault, and only then emits
 * `error` on the socket, when nothing can be sent any more; the event is sent from a listener put
 * in front on ws's frame reader (`_receiver`, not public API: without it the client gets the
 * close code alone, 1009 or 1002, which the tests would show).
 */
export function answerProtocolFaults(socket: WebSocket, ceilingBytes: number): void {
  const receiver = (socket as unknown as { _receiver?: EventEmitter })._receiver;
  receiver?.prependListener('error', (error: unknown) => {
    if (!isProtocolFault(error) || socket.readyState !== socket.OPEN) return;
    const event: ServerEvent =
      error.code === OVER_CEILING
        ? {
            type: 'error',
            code: ErrorCode.PayloadTooLarge,
            message: `a frame over ${ceilingBytes} bytes is not read: the connection closes`,
            fatal: true,
          }
        : {
            type: 'error',
            code: ErrorCode.BadMessage,
            message: `the frame breaks the WebSocket protocol (${error.message}): the connection closes`,
            fatal: true,
          };
    socket.send(JSON.stringify(event));
  });
}

/**
 * The WebSocket subprotocols of the handshake (docs/protocol.md, "Authentication"). A browser
 * cannot set headers on a WebSocket, but it can offer subprotocols: the token travels as one,
 * `visemo.token.<jwt>`, so it is never part of a URL that proxies and access logs keep.
 */
export const PROTOCOL_V1 = 'visemo.v1';
export const TOKEN_PROTOCOL_PREFIX = 'visemo.token.';

/**
 * ws's `handleProtocols`: the server speaks `visemo.v1` and answers with it when offered. A browser
 * that offered subprotocols fails the connection unless the server picks one, so the token
 * protocol is never picked: it is read, not spoken.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(PROTOCOL_V1) ? PROTOCOL_V1 : false;
}

/** The session token offered in a `Sec-WebSocket-Protocol` header, if any. */
export function tokenFromProtocols(header: string | string[] | undefined): string | undefined {
  const values = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const value of values.split(',')) {
    const protocol = value.trim();
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** The credential of an `Authorization: Bearer …` header, if any. */
export function bearerCredential(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

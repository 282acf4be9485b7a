import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: a peer on this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.replace(/^\[|\]$/g, '');
  if (bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** A listen host that only this machine can reach ("localhost", 127.0.0.1, ::1). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/**
 * A `Host` header naming this machine. A page of another site whose name resolves to 127.0.0.1
 * (DNS rebinding) sends its own name, and is refused.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

import type { FastifyHelmetOptions } from '@fastify/helmet';

export interface SecurityHeaderOptions {
  /**
   * Origins whose pages may show this one in a frame (a kiosk shell, a help widget); none by
   * default: `frame-ancestors 'none'` and `X-Frame-Options: DENY`.
   */
  frameAncestors?: readonly string[];
  /** Content-Security-Policy directives that replace the page's own, e.g. `{ 'img-src': [...] }`. */
  contentSecurityPolicy?: Record<string, readonly string[]>;
}

/**
 * What the web app needs, and no more (checked by its browser tests, which fail on any console
 * error, a CSP violation included):
 * - scripts and styles are files of this origin; no inline code, no eval, no WebAssembly;
 * - `blob:` scripts: the microphone's and the sync probe's AudioWorklets are made from strings
 *   (worklets are governed by script-src);
 * - `blob:`/`data:` images and fetches: three.js hands a model's embedded textures and buffers to
 *   the browser that way;
 * - `connect-src 'self'` covers the WebSocket of the same host (CSP Level 3).
 */
export const PAGE_CSP: Record<string, readonly string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", 'blob:'],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'", 'blob:', 'data:'],
  'font-src': ["'self'"],
  'media-src': ["'self'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
};

/** @fastify/helmet's options for the page and the API (decision 0102). */
export function helmetOptions(options: SecurityHeaderOptions = {}): FastifyHelmetOptions {
  const ancestors = options.frameAncestors ?? [];
  const directives: Record<string, readonly string[]> = {
    ...PAGE_CSP,
    'frame-ancestors': ancestors.length > 0 ? ancestors : ["'none'"],
    ...options.contentSecurityPolicy,
  };
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(directives).map(([k, v]) => [k, [...v]])),
    },
    // X-Frame-Options can only say DENY or SAMEORIGIN; where frames are allowed, CSP says by whom.
    xFrameOptions: ancestors.length > 0 ? false : { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
    // HSTS belongs to whoever terminates TLS, usually the proxy in front.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  };
}

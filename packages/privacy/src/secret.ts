import { type PiiSpan, span } from './pii-span.js';

/** A JSON Web Token: three base64url parts, the first a JSON header (`{"` is `eyJ`). */
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
/** The credential after "Bearer" in a copied Authorization header. */
const BEARER = /\bBearer\s+([\w~+/.-]+=*)/gi;

/** Credentials that end up in messages: session tokens and Bearer values. */
export function findSecrets(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const match of text.matchAll(JWT)) {
    spans.push(span('secret', match.index, match.index + match[0].length, match[0]));
  }
  for (const match of text.matchAll(BEARER)) {
    const credential = match[1] as string;
    const start = match.index + match[0].length - credential.length;
    spans.push(span('secret', start, start + credential.length, credential));
  }
  return spans;
}

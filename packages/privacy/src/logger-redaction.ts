import { type LoggerOptions, type SerializerFn, stdSerializers } from 'pino';
import type { PiiOptions } from './detect.js';
import { redactText } from './redact.js';

/** Request headers that carry credentials: API keys, cookies, and session tokens in the subprotocol. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'sec-websocket-protocol',
] as const;

/** Fields of a log line that hold what people said or typed. */
export const DEFAULT_TEXT_FIELDS = ['text', 'transcript', 'utterance', 'spokenText', 'reply'] as const;

export const CENSOR = '[REDACTED]';

export interface LoggerRedactionOptions extends PiiOptions {
  /** Fields whose string values are redacted; `DEFAULT_TEXT_FIELDS` unless given. */
  textFields?: readonly string[];
}

/** What Fastify logs of a request (its own serializer's fields), without the query string. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remoteAddress?: string; remotePort?: number };
}

export interface RedactionOptions {
  redact: { paths: string[]; censor: string };
  serializers: Record<string, SerializerFn>;
  hooks: NonNullable<LoggerOptions['hooks']>;
}

/**
 * Logger options for pino (and so Fastify's `logger`): credential headers censored wherever a
 * request's headers are logged, query strings cut from logged URLs, and personal data replaced by
 * placeholders in messages, errors and the known text fields. Spread into the options:
 * `Fastify({ logger: { level, ...loggerRedaction() } })`.
 */
export function loggerRedaction(options: LoggerRedactionOptions = {}): RedactionOptions {
  const redact = (text: string) => redactText(withoutQueryStrings(text), options);
  const textSerializer = (value: unknown) => (typeof value === 'string' ? redact(value) : value);
  const serializers: Record<string, SerializerFn> = {
    req: (req: LoggedRequest) => ({
      method: req.method,
      url: req.url === undefined ? undefined : withoutQuery(req.url),
      host: req.host,
      remoteAddress: req.ip ?? req.socket?.remoteAddress,
      remotePort: req.socket?.remotePort,
    }),
    err: (err: Error) => {
      const serialized = stdSerializers.err(err);
      serialized.message = redact(serialized.message);
      serialized.stack = redact(serialized.stack);
      return serialized;
    },
  };
  for (const field of options.textFields ?? DEFAULT_TEXT_FIELDS) serializers[field] = textSerializer;
  return {
    redact: { paths: headerPaths(), censor: CENSOR },
    serializers,
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((arg) => (typeof arg === 'string' ? redact(arg) : arg));
        return method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
  };
}

/** A logged URL without its query string, where tokens and personal data travel. */
export function withoutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

const URL_WITH_QUERY = /(\b(?:https?|wss?):\/\/[^\s?#]+|(?<![\w/])\/[\w\-./~%]*)[?#][^\s]*/g;

/** Every URL and path in a message without its query string. */
export function withoutQueryStrings(text: string): string {
  return text.replace(URL_WITH_QUERY, '$1');
}

function headerPaths(): string[] {
  const parents = ['req.headers', 'request.headers', 'headers', 'res.headers', 'reply.headers'];
  const headers = [...CREDENTIAL_HEADERS, 'set-cookie'];
  return parents.flatMap((parent) => headers.map((h) => `${parent}["${h}"]`));
}

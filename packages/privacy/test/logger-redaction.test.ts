import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CENSOR, loggerRedaction, withoutQuery, withoutQueryStrings } from '../src/index.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm9uLTEifQ.7GmS0sZk1fS3v6m9cWz8mQ';

/** A real pino logger whose output lands in a string. */
function bufferLogger(options = loggerRedaction()) {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: 'info', ...options }, stream);
  return {
    logger,
    lines: () =>
      output
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('loggerRedaction', () => {
  it('censors credential headers wherever a request is logged', () => {
    const { logger, lines } = bufferLogger();
    logger.info(
      {
        req: { method: 'GET', url: '/v1/ws', headers: {} },
        headers: {
          authorization: 'Bearer sk-live-1234',
          cookie: 'session=abc',
          'x-api-key': 'key-5678',
          'sec-websocket-protocol': `visemo.v1, visemo.token.${JWT}`,
          'user-agent': 'test',
        },
      },
      'upgrade',
    );
    const [line] = lines();
    expect(line?.headers).toEqual({
      authorization: CENSOR,
      cookie: CENSOR,
      'x-api-key': CENSOR,
      'sec-websocket-protocol': CENSOR,
      'user-agent': 'test',
    });
    const raw = JSON.stringify(lines());
    for (const secret of ['sk-live-1234', 'session=abc', 'key-5678', JWT]) expect(raw).not.toContain(secret);
  });

  it('cuts the query string from logged request URLs', () => {
    const { logger, lines } = bufferLogger();
    logger.info(
      { req: { method: 'GET', url: `/v1/ws?token=${JWT}&email=anna@example.com` } },
      'incoming request',
    );
    const [line] = lines();
    expect(line?.req).toMatchObject({ method: 'GET', url: '/v1/ws' });
    expect(JSON.stringify(line)).not.toContain(JWT);
  });

  it('redacts personal data in messages, errors and text fields', () => {
    const { logger, lines } = bufferLogger();
    logger.info('turn from anna@example.com paid with 4111 1111 1111 1111');
    logger.info({ text: 'my card is 4111-1111-1111-1111', turnId: 3 }, 'transcript');
    logger.warn({ err: new Error(`cannot look up anna@example.com, token ${JWT}`) }, 'lookup failed');
    logger.info(`GET https://visemo.example/v1/ws?token=${JWT} upgraded`);
    const [message, field, error, url] = lines();
    expect(message?.msg).toBe('turn from [EMAIL] paid with [CARD]');
    expect(field).toMatchObject({ text: 'my card is [CARD]', turnId: 3 });
    expect(error?.err).toMatchObject({ message: 'cannot look up [EMAIL], token [SECRET]' });
    expect(url?.msg).toBe('GET https://visemo.example/v1/ws upgraded');
    const raw = JSON.stringify(lines());
    for (const secret of ['anna@example.com', '4111', JWT]) expect(raw).not.toContain(secret);
  });

  it('uses the agent’s references and the text fields it is given', () => {
    const references = [{ label: 'ORDER_NUMBER', digits: { min: 6, max: 6 } }];
    const { logger, lines } = bufferLogger(loggerRedaction({ references, textFields: ['utterance'] }));
    logger.info({ utterance: 'order 482913', text: 'order 482913' }, 'heard');
    expect(lines()[0]).toMatchObject({ utterance: 'order [ORDER_NUMBER]', text: 'order 482913' });
  });
});

describe('query strings', () => {
  it('are cut from URLs and paths, and text without them stays', () => {
    expect(withoutQuery('/v1/ws?token=x#y')).toBe('/v1/ws');
    expect(withoutQuery('/health')).toBe('/health');
    expect(withoutQueryStrings('open wss://h.example/v1/ws?token=x and /v1/tokens?a=1 now')).toBe(
      'open wss://h.example/v1/ws and /v1/tokens now',
    );
    expect(withoutQueryStrings('where is my order? soon?')).toBe('where is my order? soon?');
  });
});

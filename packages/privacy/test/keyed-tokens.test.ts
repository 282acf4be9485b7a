import { describe, expect, it } from 'vitest';
import { keyedToken, pseudonym, tokenizeText } from '../src/index.js';

const KEY = 'a test key of thirty-two bytes!!';
const references = [{ label: 'ORDER_NUMBER', digits: { min: 6, max: 6 } }];

describe('tokenizeText', () => {
  it('replaces values by keyed tokens and never shows the value', () => {
    const out = tokenizeText('mail anna@example.com about order 482913', { key: KEY, references });
    expect(out).toMatch(/^mail \[EMAIL:[0-9a-f]{16}\] about order \[ORDER_NUMBER:[0-9a-f]{16}\]$/);
    expect(out).not.toContain('anna');
    expect(out).not.toContain('482913');
  });

  it('gives one value one token however it was written or said', () => {
    const token = (text: string) => tokenizeText(text, { key: KEY, references }).match(/:([0-9a-f]+)\]/)?.[1];
    expect(token('order 482913')).toBe(token('order four eight two nine one three'));
    expect(token('Anna@Example.com')).toBe(token('anna at example dot com'));
    expect(token('card 4111 1111 1111 1111')).toBe(token('card 4111-1111-1111-1111'));
    expect(token('order 482913')).not.toBe(token('order 482914'));
  });

  it('gives other tokens under another key, so tokens of two deployments do not join', () => {
    const a = tokenizeText('anna@example.com', { key: KEY });
    const b = tokenizeText('anna@example.com', { key: 'another key, also long enough' });
    expect(a).not.toBe(b);
  });

  it('keeps kinds apart: the same digits as a card and as a phone give different tokens', () => {
    expect(keyedToken(KEY, { kind: 'card', value: '4111111111111111' })).not.toBe(
      keyedToken(KEY, { kind: 'number', value: '4111111111111111' }),
    );
  });

  it('refuses an empty key', () => {
    expect(() => tokenizeText('anna@example.com', { key: '' })).toThrow(RangeError);
  });
});

describe('pseudonym', () => {
  it('is stable for a subject and key, differs between subjects and keys, and hides the id', () => {
    const id = 'customer-1842';
    expect(pseudonym(KEY, id)).toBe(pseudonym(KEY, id));
    expect(pseudonym(KEY, id)).toMatch(/^[\w-]{22}$/);
    expect(pseudonym(KEY, id)).not.toBe(pseudonym(KEY, 'customer-1843'));
    expect(pseudonym(KEY, id)).not.toBe(pseudonym(new TextEncoder().encode('other key'), id));
    expect(pseudonym(KEY, id)).not.toContain('1842');
  });
});

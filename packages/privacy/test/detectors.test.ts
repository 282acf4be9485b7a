import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAgentDefinition } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import {
  detectPii,
  findCardNumbers,
  findEmails,
  findIbans,
  findPhoneNumbers,
  findSpokenDigits,
  ibanValid,
  luhnValid,
  nameSpans,
  type PiiKind,
  redactText,
  referencePatternsFromEntities,
} from '../src/index.js';

const texts = (spans: { start: number; end: number }[], text: string) =>
  spans.map((s) => text.slice(s.start, s.end));

describe('e-mail addresses', () => {
  it('finds written and spoken addresses', () => {
    const text = 'Write to John.Smith+news@Example.co.uk or maya at shopright dot example, thanks.';
    const found = findEmails(text);
    expect(texts(found, text)).toEqual(['John.Smith+news@Example.co.uk', 'maya at shopright dot example']);
    expect(found.map((s) => s.value)).toEqual(['john.smith+news@example.co.uk', 'maya@shopright.example']);
  });

  it('reads a spoken local part with its dots', () => {
    const [found] = findEmails('it is john dot smith at gmail dot com');
    expect(found?.value).toBe('john.smith@gmail.com');
  });

  it('leaves handles, bare domains and "at … dot" talk alone', () => {
    for (const text of [
      'ping @maya on chat',
      'see shopright.example/returns',
      'look at this dot',
      'meet me at the office dot com',
      'user@localhost',
    ]) {
      expect(findEmails(text), text).toEqual([]);
    }
  });
});

describe('phone numbers', () => {
  it.each([
    ['+49 30 1234 5678', '+493012345678'],
    ['+1 (415) 555-2671', '+14155552671'],
    ['+44 20 7946 0958', '+442079460958'],
    ['0049 30 12345678', '+493012345678'],
    ['030 1234 5678', '03012345678'],
    ['0171/2345678', '01712345678'],
    ['(0)171-2345678', '01712345678'],
    ['01 23 45 67 89', '0123456789'],
    ['(415) 555-2671', '4155552671'],
    ['415-555-2671', '4155552671'],
  ])('finds %s', (written, value) => {
    const text = `You can reach me on ${written}, any time.`;
    const found = findPhoneNumbers(text);
    expect(texts(found, text)).toEqual([written]);
    expect(found[0]?.value).toBe(value);
  });

  it.each([
    ['a date', 'it arrived on 05.12.2024'],
    ['an ISO date and time', 'shipped 2024-05-12 10:30'],
    ['a date with a time', 'due 01.05.2024 10.30'],
    ['a US date', 'ordered 12/05/2024'],
    ['a price', 'it cost 1,299.00 euros'],
    ['a decimal', 'ratio 0.123456789'],
    ['an order number', 'order 482913'],
    ['a bare run of digits', 'item 123456789'],
    ['digits spaced out', 'pick 2 3 4 5 6 7 8 9'],
    ['a card number', 'card 4111 1111 1111 1111'],
    ['too many digits for E.164', '+49 30 1234 5678 9012 3'],
    ['a version', 'v2.0301234567'],
  ])('does not take %s for one', (_what, text) => {
    expect(findPhoneNumbers(text)).toEqual([]);
  });
});

describe('payment cards', () => {
  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });

  it('finds card numbers with spaces, dashes or none', () => {
    const text = 'cards 4111 1111 1111 1111, 5500-0000-0000-0004 and 378282246310005.';
    expect(texts(findCardNumbers(text), text)).toEqual([
      '4111 1111 1111 1111',
      '5500-0000-0000-0004',
      '378282246310005',
    ]);
  });

  it('takes no number that fails Luhn, nor one digit repeated', () => {
    expect(findCardNumbers('4111 1111 1111 1112 or 1234567890123456')).toEqual([]);
    expect(findCardNumbers('0000 0000 0000 0000')).toEqual([]);
  });

  it('leaves a 16-digit number that fails Luhn to the agent’s own reference pattern', () => {
    const references = [{ label: 'BOOKING', digits: { min: 16, max: 16 } }];
    expect(redactText('booking 1234567890123456', { references })).toBe('booking [BOOKING]');
    expect(redactText('booking 1234567890123456')).toBe('booking 1234567890123456');
    expect(redactText('card 4111111111111111', { references })).toBe('card [CARD]');
  });
});

describe('IBANs', () => {
  it('checks mod 97', () => {
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
  });

  it('finds grouped and compact IBANs, and stops before the next word', () => {
    const text = 'to DE89 3704 0044 0532 0130 00 ok, or GB82WEST12345698765432 then BE68 5390 0754 7034 done';
    const found = findIbans(text);
    expect(texts(found, text)).toEqual([
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
      'BE68 5390 0754 7034',
    ]);
    expect(found[0]?.value).toBe('DE89370400440532013000');
  });

  it('takes no IBAN whose check digits are wrong', () => {
    expect(findIbans('DE88 3704 0044 0532 0130 00')).toEqual([]);
  });
});

describe('digits spoken as words', () => {
  it('reads digit words, "oh", "double" and numerals in between', () => {
    const text = 'it is four 8 two, nine one three and oh one double seven';
    expect(findSpokenDigits(text).map((r) => r.digits)).toEqual(['482913', '0177']);
  });

  it('does not read an "oh" of surprise as zero', () => {
    expect(findSpokenDigits('oh, I see')).toEqual([]);
  });

  it('leaves runs of numerals alone: they are written, not spoken', () => {
    expect(findSpokenDigits('order 482913')).toEqual([]);
  });

  it('classifies spoken runs: card by Luhn, phone by its leading zero or "plus", else a long number', () => {
    const kinds = (text: string): PiiKind[] => detectPii(text).map((s) => s.kind);
    expect(kinds('four one one one one one one one one one one one one one one one')).toEqual(['card']);
    expect(kinds('call oh three oh one two three four five six seven')).toEqual(['phone']);
    expect(kinds('plus four nine three oh one two three four five six seven')).toEqual(['phone']);
    expect(kinds('account seven seven three one two nine four')).toEqual(['number']);
    expect(kinds('I want two three of them')).toEqual([]);
    expect(kinds('one two three four five six')).toEqual([]);
  });

  it('reads French digit words too, accents or not', () => {
    expect(findSpokenDigits('ma carte : quatre un un un, zéro zero neuf huit').map((r) => r.digits)).toEqual([
      '41110098',
    ]);
    const kinds = (text: string): PiiKind[] => detectPii(text).map((s) => s.kind);
    expect(kinds('quatre un un un un un un un un un un un un un un un')).toEqual(['card']);
    expect(kinds('appelez le zéro six un deux trois quatre cinq six sept huit')).toEqual(['phone']);
    expect(kinds('je veux deux articles')).toEqual([]);
  });
});

describe('the agent’s references', () => {
  const agentFile = resolve(import.meta.dirname, '../../../examples/support-agent/agent.yaml');
  const agent = parseAgentDefinition(readFileSync(agentFile, 'utf8'), agentFile);
  const references = referencePatternsFromEntities(agent.entities);

  it('derives the support agent’s six-digit order number from its entity', () => {
    expect(references).toEqual([{ label: 'ORDER_NUMBER', digits: { min: 6, max: 6 } }]);
  });

  it('redacts an order number written or read out, and nothing else that has digits', () => {
    expect(redactText('where is order 482913?', { references })).toBe('where is order [ORDER_NUMBER]?');
    expect(redactText('it is four eight two nine one three', { references })).toBe('it is [ORDER_NUMBER]');
    for (const text of ['it costs 4.95 euros', 'free from 50 euros', 'within 30 days', 'call 9 to 5']) {
      expect(redactText(text, { references }), text).toBe(text);
    }
    expect(redactText('order 4829131 or 48291', { references })).toBe('order 4829131 or 48291');
  });

  it('matches a configured pattern of the written form', () => {
    const pattern = [{ label: 'TICKET', pattern: /\bSR-\d{4}\b/i }];
    expect(redactText('ticket sr-1234, not SR-12', { references: pattern })).toBe(
      'ticket [TICKET], not SR-12',
    );
  });
});

describe('names from the NLU', () => {
  it('turns the mentions of the given entity types into name spans', () => {
    const text = 'this is Anna Schmidt from Berlin';
    const entities = [
      { entity: 'person', value: 'Anna Schmidt', text: 'Anna Schmidt', start: 8, end: 20 },
      { entity: 'city', value: 'Berlin', text: 'Berlin', start: 26, end: 32 },
    ];
    const spans = nameSpans(entities, ['person']);
    expect(redactText(text, { spans })).toBe('this is [NAME] from Berlin');
  });
});

describe('redactText', () => {
  it('replaces each kind by its placeholder in one pass', () => {
    const text =
      'I am anna@example.com, call +49 171 2345678, card 4111-1111-1111-1111, IBAN DE89370400440532013000, ' +
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl on 05.12.2024 for 12.50 euros';
    expect(redactText(text)).toBe(
      'I am [EMAIL], call [PHONE], card [CARD], IBAN [IBAN], token [SECRET] on 05.12.2024 for 12.50 euros',
    );
  });

  it('gives the longer span where two overlap', () => {
    const references = [{ label: 'ORDER_NUMBER', digits: { min: 6, max: 6 } }];
    expect(redactText('call 030 123456', { references })).toBe('call [PHONE]');
  });

  it('finds only the kinds asked for', () => {
    expect(redactText('anna@example.com, 030 1234 5678', { kinds: ['phone'] })).toBe(
      'anna@example.com, [PHONE]',
    );
  });

  it('leaves text without personal data as it was', () => {
    const text = 'How long does delivery to France take? Orders over 50 euros ship free.';
    expect(redactText(text)).toBe(text);
  });
});

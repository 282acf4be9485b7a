import type { KnowledgePage } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { KnowledgeIndex, pagePassages } from '../src/index.js';

const page = (source: string, markdown: string, title = 'Page'): KnowledgePage => ({
  source,
  title,
  markdown,
});

const RETURNS = page(
  'knowledge/returns.md',
  `---
owner: support
---
# Returns

You can return items within **30 days** of delivery. See [our portal](https://shop.example/returns).

## Refunds
Refunds reach your card within five working days.

## How to pay
We accept:

- Visa
- *PayPal*
- \`Klarna\` invoice

<!-- internal: check with finance -->
## Costs
| Zone | Return label | Pickup |
|---|---|---|
| Germany | free | 5 euros |
| Switzerland | 9.95 euros | — |

\`\`\`
curl https://api.example
\`\`\`
`,
  'Returns',
);

describe('pagePassages', () => {
  const passages = pagePassages(RETURNS);

  it('cuts a page by heading and paragraph, with the heading in the source', () => {
    expect(passages.map((p) => p.source)).toEqual([
      'knowledge/returns.md',
      'knowledge/returns.md#Refunds',
      'knowledge/returns.md#How to pay',
      'knowledge/returns.md#Costs',
      'knowledge/returns.md#Costs',
    ]);
    expect(passages[1]?.headings).toEqual(['Returns', 'Refunds']);
  });

  it('strips Markdown, front matter, comments and code', () => {
    expect(passages[0]?.text).toBe('You can return items within 30 days of delivery. See our portal.');
    const all = passages.map((p) => p.text).join(' ');
    expect(all).not.toMatch(/owner|internal|curl|[*`#|]/);
  });

  it('turns a list into a sentence joined to its intro, and table rows into sentences', () => {
    expect(passages[2]?.text).toBe('We accept: Visa, PayPal and Klarna invoice.');
    expect(passages[3]?.text).toBe('Germany: return label free, pickup 5 euros.');
    expect(passages[4]?.text).toBe('Switzerland: return label 9.95 euros.');
  });

  it('keeps list items that are sentences as sentences', () => {
    const [p] = pagePassages(
      page('k/a.md', 'Before you send it:\n\n1. Pack it well.\n2. Print the label.\n'),
    );
    expect(p?.text).toBe('Before you send it: Pack it well. Print the label.');
  });
});

describe('KnowledgeIndex', () => {
  const pages = [
    RETURNS,
    page(
      'knowledge/shipping.md',
      '# Shipping\n\nStandard shipping within Germany takes two working days. Express shipping arrives the next day.\n\n## Countries\nWe ship to Austria, France and Switzerland.\n',
      'Shipping',
    ),
    page(
      'knowledge/warranty.md',
      '# Warranty\n\nEvery product has a two-year warranty. Electronics get a third year from the maker. Batteries are covered for one year. Wear and tear is not covered. Keep your receipt as proof of purchase.\n',
      'Warranty',
    ),
  ];
  const index = new KnowledgeIndex(pages, { minScore: 0.4 });

  it('ranks the passage that answers the question first, stemming the words', () => {
    const hits = index.search('when will my refund arrive on the card', 3);
    expect(hits[0]?.source).toBe('knowledge/returns.md#Refunds');
    expect(index.search('which countries do you ship to')[0]?.passage.source).toBe(
      'knowledge/shipping.md#Countries',
    );
    expect(index.search('is paying with paypal possible')[0]?.passage.source).toBe(
      'knowledge/returns.md#How to pay',
    );
  });

  it('scores in 0..1: full coverage near 1, a partly matched query lower, stop words alone 0', () => {
    const full = index.search('warranty batteries')[0]?.score ?? 0;
    const partial = index.search('warranty for my bicycle')[0]?.score ?? 0;
    expect(full).toBeGreaterThan(0.8);
    expect(full).toBeLessThanOrEqual(1);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(full);
    expect(index.search('what is it that you are')).toEqual([]);
  });

  it('answers with at most three sentences around the best match, with the source', () => {
    const answer = index.answer('are batteries covered by the warranty');
    expect(answer?.source).toBe('knowledge/warranty.md');
    expect(answer?.text).toBe(
      'Every product has a two-year warranty. Electronics get a third year from the maker. Batteries are covered for one year.',
    );
    const late = index.answer('do I need my receipt as proof of purchase');
    expect(late?.text).toMatch(/^Keep your receipt/);
  });

  it('finds a table row by a single-letter value', () => {
    const sizes = new KnowledgeIndex([
      page(
        'k/sizes.md',
        '# Sizes\n\n| Size | Chest |\n|---|---|\n| S | 92 cm |\n| M | 100 cm |\n| L | 108 cm |\n',
      ),
    ]);
    expect(sizes.answer('what chest is a size L')?.text).toBe('Size L: chest 108 cm.');
    expect(sizes.answer('chest for size m')?.text).toBe('Size M: chest 100 cm.');
  });

  it('takes numbers as no evidence on their own, but ranks by them among passages the words match', () => {
    const years = new KnowledgeIndex([
      page('k/vat.md', '# Prices\n\nAll prices include VAT of 19 percent.\n'),
      page('k/orders.md', '# Orders\n\nYou can follow an order from your account.\n'),
      page('k/sizes.md', '# Sizes\n\nShoes come in size 38 to size 46. Shirts come in size S to size XL.\n'),
    ]);
    expect(years.search('19')).toEqual([]);
    expect(years.answer('message 19 where is my order')?.source ?? 'none').not.toMatch(/^k\/vat/);
    expect(years.search('do you have size 42 shoes')[0]?.source).toMatch(/^k\/sizes/);
    expect(years.answer('is the vat 19 percent')?.source).toMatch(/^k\/vat/);
  });

  it('answers nothing below the minimum score', () => {
    expect(index.answer('what is the weather in paris')).toBeNull();
    expect(new KnowledgeIndex(pages, { minScore: 0.99 }).answer('warranty for my bicycle')).toBeNull();
    expect(new KnowledgeIndex([]).search('anything')).toEqual([]);
  });
});

import { loadAgent } from '@visemo/dialogue';
import { nluFromTraining, nluTraining } from '@visemo/server';
import { describe, expect, it } from 'vitest';
import { curatedTraining, scoreHeldOut, splitHeldOut } from '../src/curation/curated-training.js';
import {
  formatReviewFile,
  parseReviewFile,
  ReviewFileError,
  type ReviewItem,
} from '../src/curation/review-file.js';
import { repoRoot } from './support/run-visemo.js';

const agent = { id: 'support-agent', intents: ['order_status', 'account_login', 'returns'] };

const item = (text: string, label: string | null = null): ReviewItem => ({
  text,
  predicted: null,
  confidence: 0.3,
  answeredBy: 'fallback',
  alternatives: [{ intent: 'order_status', confidence: 0.3 }],
  said: 1,
  label,
});

const file = (items: ReviewItem[]) =>
  formatReviewFile({
    agent: 'support-agent',
    exported: '2026-12-01T10:00:00.000Z',
    maxConfidence: 0.6,
    since: null,
    intents: agent.intents,
    items,
  });

function issuesOf(text: string): string[] {
  try {
    parseReviewFile(text, 'review.yaml', agent);
  } catch (error) {
    if (error instanceof ReviewFileError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the review file', () => {
  it('reads back what it wrote, labelled items only, with their lines', () => {
    const text = file([item('where is my parcel', 'order_status'), item('hm'), item('thing', 'skip')]);
    const parsed = parseReviewFile(text, 'review.yaml', agent);
    expect(parsed.labelled).toEqual([
      { text: 'where is my parcel', label: 'order_status', line: lineOf(text, 'label: order_status') },
    ]);
    expect(parsed).toMatchObject({ unlabelled: 1, skipped: 1 });
  });

  it('names the line of every unknown label, conflict and misplaced file at once', () => {
    const text = file([
      item('the app logs me out', 'acount_login'),
      item('where is my parcel', 'order_status'),
      item('Where is my  parcel', 'returns'),
      item('x', 'refund'),
    ]).replace('agent: support-agent', 'agent: clinic-front-desk');
    expect(issuesOf(text)).toEqual([
      `review.yaml:${lineOf(text, 'agent: clinic')}: the file reviews agent "clinic-front-desk", not support-agent`,
      `review.yaml:${lineOf(text, 'acount_login')}: item 1: "acount_login" is not an intent of support-agent (did you mean account_login?); use an intent name, out_of_scope or skip`,
      `review.yaml:${lineOf(text, 'label: returns')}: item 3 says the same as line ${lineOf(text, 'label: order_status')} but is labelled returns, not order_status`,
      `review.yaml:${lineOf(text, 'label: refund')}: item 4: "refund" is not an intent of support-agent; use an intent name, out_of_scope or skip`,
    ]);
  });

  it('says where YAML breaks, and what a file that is no review lacks', () => {
    const text = `${file([item('where is my parcel', 'order_status')])}  - text: where: is it\n`;
    expect(issuesOf(text)[0]).toMatch(new RegExp(`^review\\.yaml:${text.split('\n').length - 1}: not YAML`));
    expect(issuesOf('- a\n- b\n')).toEqual([
      'review.yaml:1: not a review file: expected `agent:` and `items:`',
    ]);
    expect(issuesOf('agent: support-agent\nitems: 3\n')).toEqual(['review.yaml:2: `items:` must be a list']);
  });
});

describe('curated training', () => {
  const labelled = (n: number, label: string) =>
    Array.from({ length: n }, (_, i) => ({ text: `${label} phrase ${i}`, label, line: i + 1 }));

  it('holds out a share of each label, the same for the same seed, never a text in both parts', () => {
    const items = [
      ...labelled(10, 'returns'),
      ...labelled(5, 'out_of_scope'),
      ...labelled(1, 'order_status'),
    ];
    items.push({ text: 'Returns  phrase 0', label: 'returns', line: 99 });
    const split = splitHeldOut(items, 0.2, 7);
    expect(split.heldOut.filter((i) => i.label === 'returns')).toHaveLength(2);
    expect(split.heldOut.filter((i) => i.label === 'out_of_scope')).toHaveLength(1);
    // One item of a label cannot be both trained on and tested: it is trained on.
    expect(split.train.map((i) => i.label)).toContain('order_status');
    expect(split.train.length + split.heldOut.length).toBe(16);
    expect(splitHeldOut(items, 0.2, 7)).toEqual(split);
    expect(splitHeldOut(items, 0.2, 8).heldOut).not.toEqual(split.heldOut);
  });

  it('adds examples to their intents and out-of-scope utterances to the NLU, which then rejects them', async () => {
    const { spec } = await loadAgent(`${repoRoot}/examples/support-agent`);
    const base = nluTraining(spec);
    const own = base.intents.find((i) => i.name === 'account_login')?.examples[0] as string;
    const judged = ['do you sell bread', 'can i buy milk from you', 'do you sell fresh vegetables'];
    const before = nluFromTraining(spec, base);
    expect(judged.map((t) => before.classify(t).intent)).toContain('shipping_countries');
    const { training, added } = curatedTraining(base, [
      { text: own.toUpperCase(), label: 'account_login', line: 1 },
      { text: 'the app kicks me out', label: 'account_login', line: 2 },
      ...judged.map((text, i) => ({ text, label: 'out_of_scope', line: 3 + i })),
    ]);
    expect(added).toBe(4);
    expect(training.nlu.outOfScope).toEqual(judged);
    expect(training.intents.find((i) => i.name === 'account_login')?.examples.at(-1)).toBe(
      'the app kicks me out',
    );
    const after = nluFromTraining(spec, training);
    const scores = scoreHeldOut(
      after,
      judged.map((text, i) => ({ text, label: 'out_of_scope', line: i })),
    );
    expect(scores).toEqual({ accuracy: null, oosRecall: 1, inScope: 0, outOfScope: 3 });
    expect(after.classify('where is my order').intent).toBe('order_status');
  }, 60_000);
});

import { closestName } from '@visemo/core';
import { Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

/** The label of an utterance that none of the agent's intents answers. */
export const OUT_OF_SCOPE = 'out_of_scope';
/** The label of an item to leave out of training. */
export const SKIP = 'skip';

export interface IntentScore {
  intent: string;
  confidence: number;
}

/** One utterance to label, as the review file holds it. */
export interface ReviewItem {
  /** Redacted. */
  text: string;
  /** What the NLU made of it when it was said (null: out of scope). */
  predicted: string | null;
  confidence: number | null;
  answeredBy: string | null;
  /** The agent's model's best intents for it now, best first. */
  alternatives: IntentScore[];
  /** How many of the exported turns said it. */
  said: number;
  /** An intent name, `out_of_scope` or `skip`; null until someone decides. */
  label: string | null;
}

export interface ReviewHeader {
  agent: string;
  exported: string;
  maxConfidence: number;
  since: string | null;
  /** Every label the file may use besides `out_of_scope` and `skip`. */
  intents: string[];
}

export interface ReviewFile extends ReviewHeader {
  items: ReviewItem[];
}

/** A labelled item, where the file says it. */
export interface LabelledItem {
  text: string;
  label: string;
  line: number;
}

export interface ReviewIssue {
  line: number;
  message: string;
}

/** A review file that cannot be trained from; every problem with its line. */
export class ReviewFileError extends Error {
  override name = 'ReviewFileError';
  constructor(
    readonly file: string,
    readonly issues: ReviewIssue[],
  ) {
    super(issues.map((issue) => `${file}:${issue.line}: ${issue.message}`).join('\n'));
  }
}

/** The review file as YAML, with how to fill it in at its top. */
export function formatReviewFile(review: ReviewFile): string {
  const doc = new Document({
    agent: review.agent,
    exported: review.exported,
    maxConfidence: review.maxConfidence,
    since: review.since,
    intents: review.intents,
    items: review.items,
  });
  doc.commentBefore = [
    ` Turns of ${review.agent} the NLU was unsure of (confidence under ${review.maxConfidence}) or did not`,
    ' understand, of people who consented to transcripts; personal data is redacted ([EMAIL], [PHONE] …).',
    ' Give each item a `label`: one of the `intents` below, out_of_scope (none of them answers it) or',
    ' skip. Items left without a label are not trained on. Then:',
    `   visemo curate train --agent DIR --review THIS_FILE`,
  ].join('\n');
  const intents = doc.get('intents', true);
  if (isSeq(intents)) intents.flow = true;
  const items = doc.get('items', true);
  if (isSeq(items)) {
    for (const item of items.items) {
      if (!isMap(item)) continue;
      const alternatives = item.get('alternatives', true);
      if (isSeq(alternatives)) for (const alt of alternatives.items) if (isMap(alt)) alt.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * The labelled items of a review file, checked: YAML that parses, the shape `formatReviewFile`
 * writes, and labels the agent knows (`intents` are the agent's now, not the file's). Every
 * problem is reported at once, with its line.
 */
export function parseReviewFile(
  text: string,
  file: string,
  agent: { id: string; intents: readonly string[] },
): { labelled: LabelledItem[]; unlabelled: number; skipped: number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: Node | null | undefined, fallback = 1) =>
    node?.range ? lines.linePos(node.range[0]).line : fallback;
  const issues: ReviewIssue[] = doc.errors.map((error) => ({
    line: error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line,
    message: `not YAML: ${error.message.split('\n')[0]}`,
  }));
  if (issues.length > 0) throw new ReviewFileError(file, issues);
  if (!isMap(doc.contents))
    throw new ReviewFileError(file, [
      { line: 1, message: 'not a review file: expected `agent:` and `items:`' },
    ]);
  const root = doc.contents as YAMLMap;
  const agentNode = root.get('agent', true);
  if (isScalar(agentNode) && agentNode.value !== agent.id) {
    issues.push({
      line: lineOf(agentNode),
      message: `the file reviews agent "${String(agentNode.value)}", not ${agent.id}`,
    });
  }
  const items = root.get('items', true);
  if (!isSeq(items)) {
    throw new ReviewFileError(file, [
      ...issues,
      { line: lineOf(items as Node | undefined, lineOf(root)), message: '`items:` must be a list' },
    ]);
  }
  const known = new Set(agent.intents);
  const labelled: LabelledItem[] = [];
  const byText = new Map<string, LabelledItem>();
  let unlabelled = 0;
  let skipped = 0;
  items.items.forEach((node, i) => {
    const at = lineOf(node as Node);
    const where = `item ${i + 1}`;
    if (!isMap(node)) {
      issues.push({ line: at, message: `${where} must be a mapping with \`text:\` and \`label:\`` });
      return;
    }
    const textNode = node.get('text', true);
    const labelNode = node.get('label', true);
    const textValue = isScalar(textNode) ? textNode.value : undefined;
    if (typeof textValue !== 'string' || textValue.trim() === '') {
      issues.push({ line: lineOf(textNode as Node | undefined, at), message: `${where} has no \`text:\`` });
      return;
    }
    const label = isScalar(labelNode) ? labelNode.value : labelNode;
    if (label === null || label === undefined || label === '') {
      unlabelled++;
      return;
    }
    const labelLine = lineOf(labelNode as Node | undefined, at);
    if (typeof label !== 'string') {
      issues.push({
        line: labelLine,
        message: `${where}: \`label:\` must be an intent name, ${OUT_OF_SCOPE} or ${SKIP}`,
      });
      return;
    }
    if (label === SKIP) {
      skipped++;
      return;
    }
    if (label !== OUT_OF_SCOPE && !known.has(label)) {
      const near = closestName(label, agent.intents);
      issues.push({
        line: labelLine,
        message: `${where}: "${label}" is not an intent of ${agent.id}${near ? ` (did you mean ${near}?)` : ''}; use an intent name, ${OUT_OF_SCOPE} or ${SKIP}`,
      });
      return;
    }
    const item = { text: textValue.trim(), label, line: labelLine };
    const earlier = byText.get(sameText(item.text));
    if (earlier && earlier.label !== label) {
      issues.push({
        line: labelLine,
        message: `${where} says the same as line ${earlier.line} but is labelled ${label}, not ${earlier.label}`,
      });
      return;
    }
    byText.set(sameText(item.text), item);
    labelled.push(item);
  });
  if (issues.length > 0) throw new ReviewFileError(file, issues);
  return { labelled, unlabelled, skipped };
}

/** Texts that differ only in case and spacing are the same utterance. */
export function sameText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

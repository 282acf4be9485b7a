import type { AgentSpec, IntentClassifier } from '@visemo/core';
import { nameSpans, type PiiOptions, redactText, referencePatternsFromEntities } from '@visemo/privacy';
import type { Actor, ReviewQuery, Storage } from '@visemo/storage';
import { formatReviewFile, type ReviewFile, type ReviewItem, sameText } from './review-file.js';

export interface ReviewExportOptions {
  storage: Pick<Storage, 'review' | 'audit'>;
  agent: { id: string; spec: AgentSpec };
  /** The agent's model: its entities find names, its ranking gives the alternatives. */
  nlu: IntentClassifier;
  maxConfidence: number;
  since?: Date;
  /** Entities of the agent whose values are people's names (redacted as [NAME]). */
  nameEntities: readonly string[];
  actor: Actor;
  /** Keeps the review file's text (writes it); the export is audited once it has. */
  write: (text: string) => Promise<void>;
  /** Called every `progressEvery` turns and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  clock?: () => Date;
}

export interface ReviewExport {
  review: ReviewFile;
  turns: number;
  subjects: number;
}

const ALTERNATIVES = 3;

/**
 * The review file of an agent's stored turns that the NLU was unsure of or did not understand,
 * of subjects who consented to transcripts (the storage selects them), each text redacted before
 * it is kept: e-mail addresses, phone and card numbers, IBANs, the agent's own references and
 * the names its entities find. One item per distinct text. The export is in the audit log once
 * the file is written.
 */
export async function exportReview(options: ReviewExportOptions): Promise<ReviewExport> {
  const { storage, agent, nlu } = options;
  const query: ReviewQuery = {
    agent: agent.id,
    maxConfidence: options.maxConfidence,
    ...(options.since ? { since: options.since } : {}),
  };
  const total = await storage.review.count(query);
  const references = referencePatternsFromEntities(agent.spec.entities);
  const items = new Map<string, ReviewItem>();
  const subjects = new Set<string>();
  const every = options.progressEvery ?? 250;
  let done = 0;
  for await (const turn of storage.review.turns(query)) {
    const result = nlu.classify(turn.userText);
    const pii: PiiOptions = { references, spans: nameSpans(result.entities, options.nameEntities) };
    const text = redactText(turn.userText, pii).trim();
    subjects.add(turn.subjectId);
    done++;
    if (done % every === 0) options.onProgress?.(done, total);
    if (text === '') continue;
    const key = sameText(text);
    const seen = items.get(key);
    if (seen) {
      seen.said++;
      continue;
    }
    items.set(key, {
      text,
      predicted: turn.intent,
      confidence: turn.confidence === null ? null : round(turn.confidence),
      answeredBy: turn.answeredBy,
      alternatives: result.ranking
        .slice(0, ALTERNATIVES)
        .map((score) => ({ intent: score.intent, confidence: round(score.confidence) })),
      said: 1,
      label: null,
    });
  }
  options.onProgress?.(done, total);
  const review: ReviewFile = {
    agent: agent.id,
    exported: (options.clock ?? (() => new Date()))().toISOString(),
    maxConfidence: options.maxConfidence,
    since: options.since?.toISOString() ?? null,
    intents: agent.spec.intents.map((intent) => intent.name),
    items: [...items.values()],
  };
  await options.write(formatReviewFile(review));
  await storage.audit.record({
    actor: options.actor,
    action: 'curation.export',
    details: {
      agent: agent.id,
      turns: done,
      items: items.size,
      subjects: subjects.size,
      maxConfidence: options.maxConfidence,
      since: options.since?.toISOString() ?? null,
    },
  });
  return {
    review,
    turns: done,
    subjects: subjects.size,
  };
}

/** The entities whose values are people's names, when the agent does not say: by their names. */
export function defaultNameEntities(spec: AgentSpec): string[] {
  return spec.entities.filter((e) => /(^|_)(name|person)$/i.test(e.name)).map((e) => e.name);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

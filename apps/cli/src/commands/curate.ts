import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { retentionMs } from '@visemo/core';
import type { RegistryJson } from '@visemo/storage';
import { parseCommandArgs, requireString, UsageError } from '../args.js';
import {
  curatedTraining,
  type HeldOutScores,
  scoreHeldOut,
  splitHeldOut,
} from '../curation/curated-training.js';
import { defaultNameEntities, exportReview } from '../curation/review-export.js';
import { parseReviewFile, ReviewFileError } from '../curation/review-file.js';
import { openConfiguredStorage, type StorageConfig, storageLocation } from '../storage-config.js';

const HELP = `visemo curate export --agent DIR -o REVIEW.yaml [--max-confidence 0.6] [--since WHEN]
                     [--name-entity NAME]... [--database URL | --data-dir DIR] [--actor NAME]
visemo curate train  --agent DIR --review REVIEW.yaml [--holdout 0.2] [--seed N] [-o MODEL.json]
                     [--database URL | --data-dir DIR] [--actor NAME]

Retraining the agent's NLU from what people said to it (docs/curation.md).
  export   writes a review file of the stored turns the NLU was unsure of (confidence under
           --max-confidence) or did not understand, only of people who consented to transcripts,
           with personal data redacted; audited. Label each item, then train.
  train    adds the labelled items to the agent's training data, trains the NLU, scores it and the
           agent's own model on held-out items it never trained on, writes the model artifact and
           registers it as a new NLU version with its scores: not promoted; an operator promotes
           it with "visemo models promote nlu VERSION".
  --since WHEN         a date (2026-11-01) or a time back from now (12h, 7d, 4w)
  --name-entity NAME   an entity of the agent whose values are people's names (repeatable); default
                       those named name, person or *_name
  --holdout F          the share of the labelled items kept out of training to score on (0.05–0.9)
  --seed N             which items are held out (default 1): the same file and seed, the same split
  -o, --output FILE    the review file (export), the model artifact (train; default REVIEW.nlu.json)
  --database URL       PostgreSQL (default DATABASE_URL); else the embedded database in --data-dir
                       (default ./data), which one process opens at a time: stop the server first
  --actor NAME         who does it, for the audit log and the registry (default your user name)`;

export async function curateCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseCommandArgs(
    rest,
    {
      agent: { type: 'string' },
      output: { type: 'string', short: 'o' },
      review: { type: 'string' },
      'max-confidence': { type: 'string' },
      since: { type: 'string' },
      'name-entity': { type: 'string', multiple: true },
      holdout: { type: 'string' },
      seed: { type: 'string' },
      database: { type: 'string' },
      'data-dir': { type: 'string' },
      actor: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help || action === '--help' || action === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (action !== 'export' && action !== 'train')
    throw new UsageError(`say export or train${action ? `, not "${action}"` : ''}`);
  const agentDir = requireString(values.agent, '--agent');
  const actorName = values.actor ?? userInfo().username;
  if (!/^[A-Za-z0-9_.@-]{1,60}$/.test(actorName))
    throw new UsageError('--actor must be a name without spaces');
  const config: StorageConfig = {
    ...(values.database ? { databaseUrl: values.database } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  };
  const common = { agentDir, config, actor: `cli:${actorName}` };
  try {
    if (action === 'export') {
      return await curateExport({
        ...common,
        output: requireString(values.output, '-o'),
        maxConfidence: parseFraction(values['max-confidence'], '--max-confidence', 0.6, [0, 1]),
        since: parseSince(values.since),
        nameEntities: values['name-entity'],
      });
    }
    const review = requireString(values.review, '--review');
    return await curateTrain({
      ...common,
      review,
      output: values.output ?? join(dirname(review), `${basename(review, extname(review))}.nlu.json`),
      holdout: parseFraction(values.holdout, '--holdout', 0.2, [0.05, 0.9]),
      seed: parseSeed(values.seed),
    });
  } catch (error) {
    if (!(error instanceof CurationFileError)) throw error;
    process.stderr.write(`visemo curate: ${error.message}\n`);
    return 1;
  }
}

/** The registry's name of a version trained from reviewed transcripts. */
const CURATED_NAME = 'curated-intent-classifier';

interface CommonOptions {
  agentDir: string;
  config: StorageConfig;
  actor: string;
}

async function openAgent(dir: string) {
  const { loadAgent } = await import('@visemo/dialogue');
  const agent = await loadAgent(dir);
  // As the server stores the agent's sessions and models: by the folder's name.
  return { id: basename(resolve(dir)), spec: agent.spec };
}

async function curateExport(
  options: CommonOptions & {
    output: string;
    maxConfidence: number;
    since: Date | undefined;
    nameEntities: string[] | undefined;
  },
): Promise<number> {
  const agent = await openAgent(options.agentDir);
  const nameEntities = options.nameEntities ?? defaultNameEntities(agent.spec);
  const unknown = nameEntities.filter((name) => !agent.spec.entities.some((e) => e.name === name));
  if (unknown.length > 0) throw new UsageError(`${agent.id} has no entity ${unknown.join(', ')}`);
  process.stderr.write(`… training ${agent.id}'s NLU for the alternatives\n`);
  const { createNlu } = await import('@visemo/nlu');
  const nlu = createNlu(agent.spec);
  process.stderr.write(`… opening ${storageLocation(options.config)}\n`);
  const storage = await openConfiguredStorage(options.config);
  try {
    const result = await exportReview({
      storage,
      agent,
      nlu,
      maxConfidence: options.maxConfidence,
      ...(options.since ? { since: options.since } : {}),
      nameEntities,
      actor: options.actor,
      write: (text) => writeOutput(options.output, text, 0o600),
      onProgress: (done, total) => process.stderr.write(`… ${done}/${total} turns read and redacted\n`),
    });
    process.stderr.write(
      `wrote ${options.output}: ${result.review.items.length} item(s) to label from ${result.turns} turn(s) of ${result.subjects} subject(s)\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

async function curateTrain(
  options: CommonOptions & { review: string; output: string; holdout: number; seed: number },
): Promise<number> {
  const agent = await openAgent(options.agentDir);
  let text: string;
  try {
    text = await readFile(options.review, 'utf8');
  } catch (error) {
    throw new CurationFileError(`cannot read ${options.review}: ${(error as NodeJS.ErrnoException).code}`);
  }
  let parsed: ReturnType<typeof parseReviewFile>;
  try {
    parsed = parseReviewFile(text, options.review, {
      id: agent.id,
      intents: agent.spec.intents.map((i) => i.name),
    });
  } catch (error) {
    if (!(error instanceof ReviewFileError)) throw error;
    process.stderr.write(
      `visemo curate: the review file has errors, nothing was trained:\n${error.message}\n`,
    );
    return 1;
  }
  const split = splitHeldOut(parsed.labelled, options.holdout, options.seed);
  process.stderr.write(
    `… ${parsed.labelled.length} labelled item(s) (${parsed.skipped} skipped, ${parsed.unlabelled} without a label): ` +
      `${split.train.length} to train on, ${split.heldOut.length} held out\n`,
  );
  if (split.heldOut.length === 0 || split.train.length === 0) {
    process.stderr.write(
      'visemo curate: too few labelled items to both train and hold some out: label at least two items of a label\n',
    );
    return 1;
  }
  const { nluArtifact, nluFromTraining, nluTraining } = await import('@visemo/server');
  const base = nluTraining(agent.spec);
  process.stderr.write(`… training ${agent.id}'s own NLU\n`);
  const before = nluFromTraining(agent.spec, base);
  const { training, added } = curatedTraining(base, split.train);
  process.stderr.write(`… training the curated NLU (${added} example(s) added)\n`);
  const after = nluFromTraining(agent.spec, training);
  process.stderr.write(`… scoring both on the ${split.heldOut.length} held-out item(s)\n`);
  const scores = { before: scoreHeldOut(before, split.heldOut), after: scoreHeldOut(after, split.heldOut) };
  const artifact = nluArtifact(training, after);
  const evaluation = evalRecord(scores, split.heldOut.length);
  const metadata: Record<string, RegistryJson> = {
    ...artifact.metadata,
    source: 'curation',
    review: basename(options.review),
    base: nluArtifact(base, before).contentHash,
    added,
    holdout: options.holdout,
    seed: options.seed,
  };
  await writeOutput(
    options.output,
    `${JSON.stringify({ agent: agent.id, ...artifact, name: CURATED_NAME, metadata, eval: evaluation }, null, 2)}\n`,
  );
  process.stdout.write(scoreTable(scores));
  process.stderr.write(`… opening ${storageLocation(options.config)}\n`);
  const storage = await openConfiguredStorage(options.config);
  try {
    const { version, created } = await storage.models.register({
      agent: agent.id,
      ...artifact,
      name: CURATED_NAME,
      metadata,
      eval: evaluation,
      actor: options.actor,
    });
    process.stdout.write(
      `${created ? 'registered' : 'already registered:'} ${agent.id} nlu version ${version.version} (${artifact.contentHash.slice(0, 19)}…), written to ${options.output}; not promoted.\n` +
        `promote it for new sessions: visemo models promote nlu ${version.version} --agent ${options.agentDir}` +
        ` (or --server URL while a server runs)\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

/** A file the command cannot read or write: said in one line, exit code 1. */
class CurationFileError extends Error {
  override name = 'CurationFileError';
}

/** Writes an output file, or says plainly why it cannot. */
async function writeOutput(file: string, text: string, mode = 0o644): Promise<void> {
  try {
    await writeFile(file, text, { mode });
  } catch (error) {
    throw new CurationFileError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function evalRecord(scores: { before: HeldOutScores; after: HeldOutScores }, heldOut: number) {
  const out: Record<string, RegistryJson> = { heldOut };
  if (scores.after.accuracy !== null && scores.before.accuracy !== null) {
    out.accuracy = scores.after.accuracy;
    out.accuracyBefore = scores.before.accuracy;
  }
  if (scores.after.oosRecall !== null && scores.before.oosRecall !== null) {
    out.oosRecall = scores.after.oosRecall;
    out.oosRecallBefore = scores.before.oosRecall;
  }
  return out;
}

function scoreTable({ before, after }: { before: HeldOutScores; after: HeldOutScores }): string {
  const cell = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
  const rows = [
    ['held-out score', 'agent’s model', 'curated model'],
    [`accuracy (${after.inScope} in scope)`, cell(before.accuracy), cell(after.accuracy)],
    [`OOS recall (${after.outOfScope} out of scope)`, cell(before.oosRecall), cell(after.oosRecall)],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return `${rows
    .map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join('  '))
    .join('\n')}\n`;
}

function parseFraction(
  value: string | undefined,
  flag: string,
  fallback: number,
  [min, max]: [number, number],
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--seed must be a whole number, got "${value}"`);
  return Number(value);
}

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d+(h|d|w|y)$/.test(value)) return new Date(Date.now() - retentionMs(value));
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new UsageError(
      `--since takes a date (2026-11-01) or a time back from now (12h, 7d), got "${value}"`,
    );
  return date;
}

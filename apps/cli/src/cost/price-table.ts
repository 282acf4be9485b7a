import { locateAgentField } from '@visemo/core';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError } from '../args.js';
import { readInputFile } from './input-file.js';

const price = z.number().nonnegative();

const llmPrice = z.strictObject({ inputPer1MTokens: price, outputPer1MTokens: price });
const ttsPrice = z.strictObject({ per1MCharacters: price });
const asrPrice = z.strictObject({ perMinute: price });

/** A vendor's prices by kind; a language model's by model name, as agent.yaml names it. */
const VendorPrices = z.strictObject({
  llm: z.record(z.string(), llmPrice).optional(),
  tts: ttsPrice.optional(),
  asr: asrPrice.optional(),
});

/** A price file (deploy/prices.example.yaml): what a deployment pays per unit, in one currency. */
export const PriceTableSchema = z.strictObject({
  currency: z.string().min(1),
  /** Where the prices come from and when they were looked up: shown with every forecast. */
  source: z.string().min(1),
  compute: z.strictObject({ vcpuHour: price, memoryGiBHour: price }),
  network: z.strictObject({ egressPerGB: price }),
  storage: z.strictObject({ perGBMonth: price }),
  /** By a hop's `type` in agent.yaml's `providers:` (openai-compatible, azure-speech, deepgram, …). */
  vendors: z.record(z.string(), VendorPrices).default({}),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

export interface PriceIssue {
  line: number;
  column: number;
  field: string;
  message: string;
}

/** A price file that cannot be used, with every problem found and where it is written. */
export class PriceFileError extends InputError {
  override name = 'PriceFileError';
  constructor(
    readonly file: string,
    readonly issues: readonly PriceIssue[],
  ) {
    super(
      `the price file has errors:\n${issues.map((i) => `  ${file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n')}`,
    );
  }
}

/** Parses and checks a price file's text. Pure: the caller reads the file. */
export function parsePriceTable(text: string, file: string): PriceTable {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new PriceFileError(file, [{ line, column: col, field: '(syntax)', message: syntax.message }]);
  }
  const parsed = PriceTableSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((issue) => {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [null];
    return keys.map((key) => {
      const at = key === null ? path : [...path, key];
      const { line, column } = locateAgentField(text, file, at);
      const message =
        key !== null
          ? `unknown field \`${key}\``
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'required field is missing'
            : lowerFirst(issue.message.replace(/^Invalid input: /, ''));
      return { line, column, field: at.join('.') || '(root)', message };
    });
  });
  throw new PriceFileError(file, issues);
}

export async function readPriceTable(file: string): Promise<PriceTable> {
  return parsePriceTable(
    await readInputFile(file, 'price file', 'start from deploy/prices.example.yaml'),
    file,
  );
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

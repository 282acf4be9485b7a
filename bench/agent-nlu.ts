import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgent } from '@visemo/dialogue';
import { createNlu } from '@visemo/nlu';
import { parse } from 'yaml';
import type { BenchRow } from './table.js';

const AGENTS = ['support-agent', 'clinic-front-desk', 'support-agent-fr'];

interface HeldOut {
  intents: Record<string, string[]>;
  out_of_scope: string[];
  knowledge: { question: string; source: string }[];
}

/** Intent accuracy of each example agent on its held-out utterances (`tests/utterances.yaml`). */
export async function benchAgentNlu(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of AGENTS) {
    const dir = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
    const agent = await loadAgent(dir);
    const nlu = createNlu(agent.spec);
    const heldOut = parse(await readFile(path.join(dir, 'tests/utterances.yaml'), 'utf8')) as HeldOut;
    let right = 0;
    let total = 0;
    for (const [intent, utterances] of Object.entries(heldOut.intents)) {
      for (const text of utterances) {
        total++;
        if (nlu.classify(text).intent === intent) right++;
      }
    }
    const outOfScope = [...heldOut.out_of_scope, ...heldOut.knowledge.map((k) => k.question)];
    const rejected = outOfScope.filter((text) => nlu.classify(text).intent === null).length;
    rows.push(
      { name: `${name}: held-out intent accuracy (${total})`, value: (100 * right) / total, unit: '%' },
      {
        name: `${name}: out-of-scope rejected (${outOfScope.length})`,
        value: (100 * rejected) / outOfScope.length,
        unit: '%',
      },
    );
  }
  return rows;
}

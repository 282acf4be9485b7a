import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent, IntentClassifier } from '@visemo/core';
import { AgentDialogue, loadAgent } from '@visemo/dialogue';
import { createNlu } from '@visemo/nlu';
import { parse } from 'yaml';
import type { BenchRow } from './table.js';

const AGENTS = ['support-agent', 'clinic-front-desk', 'support-agent-fr'];

interface HeldOut {
  intents: Record<string, string[]>;
  out_of_scope: string[];
  knowledge: { question: string; source: string }[];
}

/** What each held-out utterance should get, and whether a fresh conversation gave it. */
export interface RoutedUtterance {
  agent: string;
  kind: 'intent' | 'knowledge' | 'out_of_scope';
  text: string;
  /** The intent name, the knowledge page (`knowledge/warranty.md`), or `fallback`. */
  expected: string;
  /** `intent:delivery_time`, `knowledge:knowledge/warranty.md#…`, `fallback`, `flow:order_status`. */
  got: string;
  right: boolean;
}

/**
 * Routes every held-out utterance of an example agent (`tests/utterances.yaml`) through a fresh
 * AgentDialogue, with the agent's own NLU, and says which answer path replied.
 */
export async function routeHeldOut(name: string): Promise<RoutedUtterance[]> {
  const dir = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  const agent = await loadAgent(dir);
  const nlu = createNlu(agent.spec);
  const heldOut = parse(await readFile(path.join(dir, 'tests/utterances.yaml'), 'utf8')) as HeldOut;
  const out: RoutedUtterance[] = [];
  for (const [intent, utterances] of Object.entries(heldOut.intents)) {
    for (const text of utterances) {
      const got = answer(agent, nlu, text);
      const right = (got.path === 'intent' || got.path === 'flow') && got.intent === intent;
      out.push({ agent: name, kind: 'intent', text, expected: intent, got: got.label, right });
    }
  }
  for (const { question, source } of heldOut.knowledge) {
    const got = answer(agent, nlu, question);
    const right = got.path === 'knowledge' && got.source?.split('#')[0] === source;
    out.push({ agent: name, kind: 'knowledge', text: question, expected: source, got: got.label, right });
  }
  for (const text of heldOut.out_of_scope) {
    const got = answer(agent, nlu, text);
    const right = got.path === 'fallback';
    out.push({ agent: name, kind: 'out_of_scope', text, expected: 'fallback', got: got.label, right });
  }
  return out;
}

function answer(agent: Agent, nlu: IntentClassifier, text: string) {
  const reply = new AgentDialogue(agent).respond(nlu.classify(text));
  const path = reply.answeredBy;
  const detail = reply.intent ?? reply.source;
  return {
    path,
    intent: reply.intent,
    source: reply.source,
    label: detail ? `${path}:${detail}` : path,
  };
}

const KINDS = [
  { kind: 'intent', label: 'held-out intent utterances answered by their intent', target: 95 },
  { kind: 'knowledge', label: 'knowledge questions answered from the right page', target: 90 },
  { kind: 'out_of_scope', label: 'out-of-scope utterances answered by the fallback', target: 90 },
] as const;

/** Share of each kind of held-out utterance that reached the right answer path, per agent and overall. */
export async function benchDialogueRouting(): Promise<BenchRow[]> {
  const all: RoutedUtterance[] = [];
  for (const name of AGENTS) all.push(...(await routeHeldOut(name)));
  const rows: BenchRow[] = [];
  for (const scope of [...AGENTS, 'both agents']) {
    for (const { kind, label, target } of KINDS) {
      const set = all.filter((u) => u.kind === kind && (scope === 'both agents' || u.agent === scope));
      const value = (100 * set.filter((u) => u.right).length) / set.length;
      rows.push({
        name: `${scope}: ${label} (${set.length})`,
        value,
        unit: '%',
        target: `≥ ${target}`,
        ok: value >= target,
      });
    }
  }
  return rows;
}

// `npx tsx bench/dialogue-routing.ts [--misses]`: the table, and with --misses every wrong route.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { formatTable } = await import('./table.js');
  process.stdout.write(
    `${formatTable('Dialogue routing on held-out utterances', await benchDialogueRouting())}\n`,
  );
  if (process.argv.includes('--misses')) {
    for (const name of AGENTS) {
      for (const u of await routeHeldOut(name)) {
        if (!u.right)
          process.stdout.write(`${name}\t${u.kind}\t${u.text}\texpected ${u.expected}\tgot ${u.got}\n`);
      }
    }
  }
}

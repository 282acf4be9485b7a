import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgent } from '@visemo/dialogue';
import { createNlu } from '@visemo/nlu';
import { nluFromTraining, nluTraining } from '@visemo/server';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { curatedTraining } from '../apps/cli/src/curation/curated-training.js';
import { exportReview } from '../apps/cli/src/curation/review-export.js';
import type { BenchRow } from './table.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));
const SAID = [
  'the app logs me out all the time',
  'my email is jane.doe@example.com and the app kicks me out',
  'call me on +49 30 12345678 about the jacket',
  'do you have job openings',
  'order 482913 has not come, my card is 4111 1111 1111 1111',
];

/**
 * `visemo curate` on the support agent: an export of `turns` stored low-confidence turns of 50
 * consenting subjects (read page by page, decrypted, classified for the alternatives, redacted),
 * and a curated training as `curate train` does it (the agent's model and the curated one).
 */
export async function benchCuration(quick: boolean): Promise<BenchRow[]> {
  const turns = quick ? 300 : 2000;
  const dir = mkdtempSync(join(tmpdir(), 'visemo-bench-curation-'));
  const storage = await openStorage({ dataDir: dir, masterKey: generateMasterKey(), env: {} });
  try {
    const { spec } = await loadAgent(agentDir);
    const subjects = 50;
    for (let s = 0; s < subjects; s++) {
      const { subject } = await storage.subjects.ensure({});
      await storage.consent.grant(subject.id, 'transcripts', { policyVersion: '1' });
      const session = await storage.sessions.start({ subjectId: subject.id, agent: 'support-agent' });
      for (let t = 0; t < turns / subjects; t++) {
        const userText = `${SAID[(s + t) % SAID.length]} ${t}`;
        await storage.sessions.recordTurn(session, { userText, intent: null, confidence: 0.3 });
      }
      await storage.sessions.end(session.id, 'client');
    }
    const nlu = createNlu(spec);
    let bytes = 0;
    const started = performance.now();
    const result = await exportReview({
      storage,
      agent: { id: 'support-agent', spec },
      nlu,
      maxConfidence: 0.6,
      nameEntities: [],
      actor: 'bench',
      write: async (text) => {
        bytes = Buffer.byteLength(text);
      },
    });
    const exportMs = performance.now() - started;

    const labelled = result.review.items.map((item, i) => ({
      text: item.text,
      label: item.text.includes('app') ? 'account_login' : 'out_of_scope',
      line: i + 1,
    }));
    const trainStarted = performance.now();
    const base = nluTraining(spec);
    nluFromTraining(spec, base);
    nluFromTraining(spec, curatedTraining(base, labelled).training);
    const trainMs = performance.now() - trainStarted;
    return [
      {
        name: `export: ${result.turns} turns read, decrypted, classified, redacted`,
        value: exportMs,
        unit: 'ms',
      },
      { name: 'export: turns per second', value: result.turns / (exportMs / 1000), unit: 'turns/s' },
      {
        name: `export: review file of ${result.review.items.length} items`,
        value: bytes / 1024,
        unit: 'KiB',
      },
      {
        name: `train: the agent's model and the curated one (${labelled.length} items added)`,
        value: trainMs,
        unit: 'ms',
      },
    ];
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

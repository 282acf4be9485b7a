import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCaller } from '../src/simulator/run-caller.js';
import type { ExperienceSummary } from '../src/simulator/simulate-report.js';
import { runVisemo } from './support/run-visemo.js';
import { type ServeProcess, startServe } from './support/serve-process.js';

let server: ServeProcess | undefined;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-simulate-'));
  server = await startServe(['--agent', 'examples/support-agent', '--speakers', '1']);
}, 180_000);
afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const script = `callers:
  - name: talks over the answer
    voice: rms
    steps:
      - says: where is my order
        expect: { intent: order_status }
      - says: what are your opening hours
        bargeInMs: 600
        expect: { intent: opening_hours }
  - name: in a very quiet room
    voice: slt
    snrDb: 60
    steps:
      - says: i want to talk to a human
        expect: { handoff: true }
      - says: can you sing me a song
        expect: { intent: null }
`;

describe('visemo simulate', () => {
  it('plays two spoken callers against a running server and reports what they experienced', async () => {
    const file = path.join(dir, 'callers.yaml');
    await writeFile(file, script);
    const run = await runVisemo(['simulate', '--server', server?.url ?? '', '--script', file, '--json']);
    // Progress on stderr, a line per turn as it ends.
    expect(run.stderr).toContain('2 callers, 4 turns');
    expect(run.stderr.split('\n').filter((line) => line.startsWith('✗'))).toEqual([]);
    expect(run.stderr.match(/^✓ \[/gm)).toHaveLength(4);
    expect(run.stderr).toContain('4 of 4 turns as expected');
    expect(run.code).toBe(0);

    const { callers, total } = JSON.parse(run.stdout) as {
      callers: SimulatedCaller[];
      total: ExperienceSummary;
    };
    const [barging, quiet] = callers;
    expect(barging?.turns.map((t) => [t.heard, t.intent])).toEqual([
      ['where is my order', 'order_status'],
      ['what are your opening hours', 'opening_hours'],
    ]);
    // The second line started 600 ms into the first answer, and the server stopped that answer.
    expect(barging?.turns[1]?.bargeIn).toBe('honoured');
    expect(quiet?.turns[0]).toMatchObject({ intent: 'talk_to_human', handoff: 'talk_to_human' });
    // Out of the domain: heard as speech, not understood, answered by the fallback.
    expect(quiet?.turns[1]).toMatchObject({ understood: false, intent: null, expected: true });
    for (const turn of callers.flatMap((c) => c.turns)) {
      expect(turn.firstAudioMs).toEqual(expect.any(Number));
      expect(turn.lost).toBe(false);
    }
    expect(total).toMatchObject({
      turns: 4,
      asExpected: 4,
      misunderstood: 0,
      lost: 0,
      answeredMidSentence: 0,
      bargeIns: { tried: 1, honoured: 1 },
      handoffs: 1,
    });
  }, 120_000);

  it('says what is wrong with its input', async () => {
    const both = await runVisemo(['simulate', '--server', server?.url ?? '']);
    expect(both.stderr).toContain('give --script FILE or --agent DIR');
    expect(both.code).toBe(2);
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, 'callers:\n  - name: x\n    voice: hal\n    steps: []\n');
    const run = await runVisemo(['simulate', '--server', server?.url ?? '', '--script', broken]);
    expect(run.stderr).toMatch(/the script has errors:\n.*broken\.yaml:3:\d+ callers\[0\]\.voice/);
    expect(run.code).toBe(1);
  });
});

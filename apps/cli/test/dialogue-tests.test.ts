import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runVisemo } from './support/run-visemo.js';

const examples = ['support-agent', 'clinic-front-desk', 'support-agent-fr'];
const supportAgent = path.join(repoRoot, 'examples/support-agent');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-dialogue-tests-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The support agent with `files` as its only dialogue test files. */
async function agentWithSuites(name: string, files: Record<string, string>): Promise<string> {
  const agent = path.join(dir, name);
  await cp(supportAgent, agent, {
    recursive: true,
    filter: (source) => !/tests[\\/](?!utterances\.yaml).+\.yaml$/.test(path.relative(supportAgent, source)),
  });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(agent, 'tests', file), text);
  return agent;
}

const brokenSuite = `conversations:
  - name: tracks an order
    steps:
      - says: where is my order
        expect:
          intent: order_status
          flow: { name: order_lookup, status: asking, awaiting: order_number }
      - says: it's 482913
        expect:
          intent: order_status
          flow: { status: failed }
          reply: We have shipped your parcel by carrier pigeon
          handoff: true
      - says: thanks
  - name: answers the opening hours
    steps:
      - says: what are your opening hours
        expect: { intent: opening_hours, reply: /Monday to Friday/ }
`;

describe('visemo test, typed', () => {
  it.each(examples)('passes the suites of examples/%s', async (example) => {
    const run = await runVisemo(['test', '--agent', path.join(repoRoot, 'examples', example)]);
    expect(run.stderr).not.toMatch(/error/i);
    const summary = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(run.stdout);
    expect(summary?.slice(1).map(Number)).toEqual([expect.any(Number), 0, 0]);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(8);
    expect(run.stdout).not.toContain('✗');
    expect(run.code).toBe(0);
  });

  it('fails a broken expectation with a diff of each field, the reply and where the step is', async () => {
    const agent = await agentWithSuites('broken', { 'broken.yaml': brokenSuite });
    const junit = path.join(dir, 'out', 'broken.xml');
    const run = await runVisemo(['test', '--agent', agent, '--junit', junit]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ [typed] tracks an order (2/3 steps)');
    expect(run.stdout).toContain('✓ [typed] answers the opening hours (1/1 steps)');
    const report = run.stdout.slice(run.stdout.indexOf('Failures:'));
    expect(report).toContain('tracks an order [typed] — tests/broken.yaml:2');
    expect(report).toContain('step 1 ok: "where is my order"');
    expect(report).toContain('step 2 FAILED at tests/broken.yaml:8');
    expect(report).toMatch(/intent +expected order_status\n +actual +\(none\) \(confidence 0\.\d\d\)/);
    expect(report).toMatch(/flow +expected \(any flow\) failed\n +actual +order_lookup completed/);
    expect(report).toMatch(
      /reply +expected to contain "We have shipped your parcel by carrier pigeon"\n +actual +"I found order 482913\. It left our warehouse/,
    );
    expect(report).toMatch(/handoff +expected true\n +actual +false/);
    expect(report).toContain('(1 later step not run)');
    expect(run.stdout).toMatch(/^1 passed, 1 failed, 0 skipped$/m);

    const xml = await readFile(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (_name, _path, _leaf, attribute) => !attribute,
    }).parse(xml);
    const suites = parsed.testsuites[0];
    expect(suites).toMatchObject({ tests: '2', failures: '1', skipped: '0' });
    const suite = suites.testsuite[0];
    expect(suite).toMatchObject({ name: 'broken/tests/broken.yaml [typed]', tests: '2', failures: '1' });
    const [failed, passed] = suite.testcase;
    expect(failed.name).toBe('tracks an order');
    expect(failed.failure[0].message).toContain('intent: expected order_status, actual (none)');
    expect(failed.failure[0]['#text']).toContain('step 2 FAILED at tests/broken.yaml:8');
    expect(passed.name).toBe('answers the opening hours');
    expect(passed.failure).toBeUndefined();
  });

  it('names the file and line of each mistake in a test file and runs nothing', async () => {
    const agent = await agentWithSuites('malformed', {
      'schema.yaml': `conversations:
  - name: typos
    steps:
      - says: where is my order
        expcet: { intent: order_status }
`,
      'names.yaml': `conversations:
  - name: names the agent does not have
    steps:
      - says: hello
        expect: { intent: greting, flow: { name: order_lookup, awaiting: email }, slots: { email: x } }
`,
      'syntax.yaml': 'conversations:\n  - name: [unclosed\n    steps: []\n',
    });
    const run = await runVisemo(['test', '--agent', agent]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the dialogue test files have errors');
    expect(run.stderr).toMatch(
      /tests\/schema\.yaml:5:9 conversations\[0\]\.steps\[0\]\.expcet: unknown field `expcet` \(did you mean `expect`\?\)/,
    );
    expect(run.stderr).toMatch(
      /tests\/names\.yaml:5:19 conversations\[0\]\.steps\[0\]\.expect\.intent: the agent has no intent "greting"/,
    );
    expect(run.stderr).toMatch(
      /tests\/names\.yaml:5:\d+ .*expect\.flow\.awaiting: flow "order_lookup" has no slot "email"/,
    );
    expect(run.stderr).toMatch(
      /tests\/names\.yaml:5:\d+ .*expect\.slots\.email: no flow of the agent has a slot "email"/,
    );
    expect(run.stderr).toMatch(/tests\/syntax\.yaml:3:5 \(syntax\): YAML syntax/);
    expect(run.stdout).not.toMatch(/passed/);
  });
  it('fails a line the session refuses with the error it sent, and goes on with the next conversation', async () => {
    const agent = await agentWithSuites('refused', {
      'refused.yaml': `conversations:
  - name: a line over the protocol's length
    steps:
      - says: ${'a'.repeat(2001)}
  - name: then a greeting
    steps:
      - says: hello
        expect: { intent: greeting }
`,
    });
    const run = await runVisemo(['test', '--agent', agent]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/problem +error event bad_message: .*2000 characters/);
    expect(run.stdout).toContain('✓ [typed] then a greeting (1/1 steps)');
    expect(run.stdout).toMatch(/^1 passed, 1 failed, 0 skipped$/m);
  });
});

// Synthesis and decoding take seconds a line on a busy two-core machine: a ceiling, not a measure.
describe('visemo test, spoken', () => {
  it('says a conversation with a Flite voice through the grammar recognizer, in 20 ms frames', async () => {
    const run = await runVisemo([
      'test',
      '--agent',
      supportAgent,
      '--voices',
      'rms',
      '--filter',
      'tracks an order by its number',
    ]);
    expect(run.stdout).toContain('✓ [spoken rms] tracks an order by its number (2/2 steps)');
    expect(run.stdout).toMatch(/^1 passed, 0 failed, 0 skipped$/m);
    expect(run.code).toBe(0);
  }, 180_000);

  it("refuses to say a French agent's lines with the English voices", async () => {
    const run = await runVisemo([
      'test',
      '--agent',
      path.join(repoRoot, 'examples/support-agent-fr'),
      '--spoken',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Flite's English voices, and this agent speaks fr-FR; run its tests typed/);
  });

  it('shows what the recognizer heard when a spoken line misses', async () => {
    const agent = await agentWithSuites('misheard', {
      'misheard.yaml': `conversations:
  - name: an order number said as a story
    steps:
      - says: where is my order
        spoken: { skip: { rms: typed here to show the skip in the progress line } }
      - says: it's 482913
        spoken: { says: once upon a time there was a parcel }
        expect: { entities: { order_number: "482913" } }
`,
    });
    const run = await runVisemo(['test', '--agent', agent, '--voices', 'rms']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/spoken +"once upon a time there was a parcel"\n +heard +\(not understood\)/);
    expect(run.stdout).toContain(
      '✗ [spoken rms] an order number said as a story (2/2 steps, 1 typed for this voice)',
    );
    expect(run.stdout).toContain('problem   the recognizer did not understand the line');
    expect(run.stdout).toMatch(/entities +expected order_number=482913\n +actual +\(none\)/);
  }, 180_000);
});

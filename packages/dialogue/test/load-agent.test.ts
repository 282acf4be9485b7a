import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentDefinitionError, type AgentIssue } from '@visemo/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAgent } from '../src/index.js';

const MINIMAL = `persona:
  name: Ava
  greeting: Hello!
intents:
  - name: order_status
    examples: [where is my order, track my parcel]
    flow: order_lookup
entities:
  - name: order_number
    kind: digits
flows:
  - name: order_lookup
    slots:
      - name: order_number
        entity: order_number
        prompt: Your order number?
        reprompts: [The six digits, please?]
    lookup: { file: lookups/orders.yaml, key: order_number }
    response: Order {order_number} is {record.status}.
    notFound: No order {order_number}.
`;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes an agent folder from a map of relative paths to contents. */
async function agentFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'visemo-agent-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function issuesOf(dir: string): Promise<AgentIssue[]> {
  const error = await loadAgent(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentDefinitionError);
  return (error as AgentDefinitionError).issues;
}

describe('loadAgent', () => {
  it('reads the definition, knowledge pages (recursively, titled) and lookup records', async () => {
    const dir = await agentFolder({
      'agent.yaml': MINIMAL,
      'lookups/orders.yaml':
        '- order_number: "123456"\n  status: shipped\n- order_number: 654321\n  status: packed\n',
      'knowledge/returns.md': '# Returns policy\n\nThirty days.\n',
      'knowledge/more/hours.md': 'We open at nine.\n',
      'knowledge/notes.txt': 'not a page',
    });
    const agent = await loadAgent(dir);
    expect(agent.dir).toBe(dir);
    expect(agent.spec.persona.name).toBe('Ava');
    // Kept so later checks point at agent.yaml's lines without reading it again.
    expect(agent.source).toEqual({ file: path.join(dir, 'agent.yaml'), text: MINIMAL });
    expect(agent.knowledge.map((p) => [p.source, p.title])).toEqual([
      ['knowledge/more/hours.md', 'Hours'],
      ['knowledge/returns.md', 'Returns policy'],
    ]);
    expect(agent.lookups.order_lookup).toEqual([
      { order_number: '123456', status: 'shipped' },
      { order_number: 654321, status: 'packed' },
    ]);
  });

  it('reads JSON lookup files and accepts an agent without a knowledge folder', async () => {
    const dir = await agentFolder({
      'agent.yaml': MINIMAL.replace('lookups/orders.yaml', 'orders.json'),
      'orders.json': '[{"order_number": "123456", "status": "shipped"}]',
    });
    const agent = await loadAgent(dir);
    expect(agent.knowledge).toEqual([]);
    expect(agent.lookups.order_lookup?.[0]?.status).toBe('shipped');
  });

  it('names agent.yaml when it is missing', async () => {
    const dir = await agentFolder({});
    const [issue] = await issuesOf(dir);
    expect(issue?.file).toBe(path.join(dir, 'agent.yaml'));
    expect(issue?.message).toMatch(/ENOENT/);
  });

  it('passes on definition errors with the agent file and line', async () => {
    const dir = await agentFolder({ 'agent.yaml': MINIMAL.replace('kind: digits', 'kind: letters') });
    const [issue] = await issuesOf(dir);
    expect(issue).toMatchObject({ file: path.join(dir, 'agent.yaml'), line: 10, field: 'entities[0].kind' });
  });

  it('points a missing lookup file at the line that names it', async () => {
    const dir = await agentFolder({ 'agent.yaml': MINIMAL });
    const [issue] = await issuesOf(dir);
    expect(issue).toMatchObject({
      file: path.join(dir, 'agent.yaml'),
      line: 18,
      field: 'flows[0].lookup.file',
    });
    expect(issue?.message).toMatch(/cannot read .*orders\.yaml: ENOENT/);
  });

  it('refuses a lookup file outside the agent folder', async () => {
    const dir = await agentFolder({ 'agent.yaml': MINIMAL.replace('lookups/orders.yaml', '../orders.yaml') });
    const [issue] = await issuesOf(dir);
    expect(issue?.message).toMatch(/inside the agent folder/);
  });

  it('reports lookup file problems with that file and its line', async () => {
    const syntax = await agentFolder({
      'agent.yaml': MINIMAL,
      'lookups/orders.yaml': '- order_number: "1\n',
    });
    expect((await issuesOf(syntax))[0]).toMatchObject({
      file: path.join(syntax, 'lookups/orders.yaml'),
      field: '(syntax)',
    });

    const notList = await agentFolder({ 'agent.yaml': MINIMAL, 'lookups/orders.yaml': 'order_number: 1\n' });
    expect((await issuesOf(notList))[0]?.message).toBe('a lookup file holds a list of records');

    const noKey = await agentFolder({
      'agent.yaml': MINIMAL,
      'lookups/orders.yaml': '- order_number: "123456"\n  status: shipped\n- status: lost\n',
    });
    expect((await issuesOf(noKey))[0]).toMatchObject({
      file: path.join(noKey, 'lookups/orders.yaml'),
      line: 3,
      field: '[1].order_number',
    });
  });

  it('refuses a {record.field} that no record has, at the response line', async () => {
    const dir = await agentFolder({
      'agent.yaml': MINIMAL,
      'lookups/orders.yaml': '- order_number: "123456"\n  state: shipped\n',
    });
    const [issue] = await issuesOf(dir);
    expect(issue).toMatchObject({ file: path.join(dir, 'agent.yaml'), line: 19, field: 'flows[0].response' });
    expect(issue?.message).toMatch(/no record .* has a field `status`/);
  });

  it('refuses a knowledge folder that was named but does not exist', async () => {
    const dir = await agentFolder({
      'agent.yaml': `${MINIMAL}knowledge:\n  folder: faq\n`,
      'lookups/orders.yaml': '- order_number: "123456"\n  status: shipped\n',
    });
    const [issue] = await issuesOf(dir);
    expect(issue).toMatchObject({ line: 22, field: 'knowledge.folder' });
  });

  describe('the avatar look', () => {
    const withLook = (look: string) =>
      MINIMAL.replace('  greeting: Hello!\n', `  greeting: Hello!\n  look:\n${look}`);
    const ORDERS = 'lookups/orders.yaml';
    const records = '- { order_number: "1", status: shipped }\n';

    it('takes a built-in character with colours, and a GLB file in the folder', async () => {
      const dir = await agentFolder({
        'agent.yaml': withLook("    character: theo\n    skin: '#7a4e33'\n    model: looks/theo.glb\n"),
        [ORDERS]: records,
      });
      await mkdir(path.join(dir, 'looks'), { recursive: true });
      await writeFile(
        path.join(dir, 'looks/theo.glb'),
        Buffer.concat([Buffer.from('glTF'), Buffer.alloc(16)]),
      );
      const agent = await loadAgent(dir);
      expect(agent.spec.persona.look).toEqual({
        character: 'theo',
        skin: '#7a4e33',
        model: 'looks/theo.glb',
      });
    });

    it('defaults to maya', async () => {
      const dir = await agentFolder({ 'agent.yaml': MINIMAL, [ORDERS]: records });
      expect((await loadAgent(dir)).spec.persona.look).toEqual({ character: 'maya' });
    });

    it('names a bad colour, an unknown character and a model outside the folder at their lines', async () => {
      const dir = await agentFolder({
        'agent.yaml': withLook('    character: zed\n    hair: blonde\n    model: ../theo.glb\n'),
        [ORDERS]: records,
      });
      const issues = await issuesOf(dir);
      expect(issues.map((i) => [i.field, i.line])).toEqual([
        ['persona.look.character', 5],
        ['persona.look.hair', 6],
        ['persona.look.model', 7],
      ]);
      expect(issues[1]?.message).toMatch(/hair must be a colour/);
      expect(issues[2]?.message).toMatch(/inside the agent folder/);
    });

    it('refuses a model file that is missing or not a binary glTF', async () => {
      const missing = await agentFolder({
        'agent.yaml': withLook('    model: theo.vrm\n'),
        [ORDERS]: records,
      });
      expect((await issuesOf(missing))[0]).toMatchObject({ field: 'persona.look.model', line: 5 });
      const text = await agentFolder({
        'agent.yaml': withLook('    model: theo.glb\n'),
        [ORDERS]: records,
        'theo.glb': '{"asset": {}}',
      });
      expect((await issuesOf(text))[0]?.message).toMatch(/not a binary glTF/);
    });
  });
});

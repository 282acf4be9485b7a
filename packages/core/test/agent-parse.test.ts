import { describe, expect, it } from 'vitest';
import {
  AgentDefinitionError,
  type AgentIssue,
  ErrorCode,
  locateAgentField,
  parseAgentDefinition,
  templatePlaceholders,
} from '../src/index.js';

/** A valid agent; tests break one thing at a time. Line numbers below refer to this text. */
const VALID = `persona:
  name: Ava
  greeting: Hi, I'm Ava. How can I help?
intents:
  - name: order_status
    examples:
      - where is my order
      - track my parcel
    flow: order_lookup
  - name: thanks
    examples: [thanks, thank you]
    responses:
      - You're welcome!
entities:
  - name: order_number
    kind: digits
    length: { min: 6, max: 6 }
flows:
  - name: order_lookup
    slots:
      - name: order_number
        entity: order_number
        prompt: What's your order number?
        reprompts: [Could you read me the six digits?]
    lookup: { file: orders.yaml, key: order_number }
    response: Order {order_number} is {record.status}.
    notFound: I can't find order {order_number}.
`;

function issuesOf(yamlText: string): AgentIssue[] {
  try {
    parseAgentDefinition(yamlText, 'agent.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(AgentDefinitionError);
    expect((error as AgentDefinitionError).code).toBe(ErrorCode.AgentInvalid);
    return (error as AgentDefinitionError).issues;
  }
  throw new Error('expected the definition to be refused');
}

/** Replaces one exact line of VALID (1-based) with `text` (which may span lines). */
function withLine(line: number, text: string): string {
  const lines = VALID.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

describe('parseAgentDefinition', () => {
  it('returns the validated spec with defaults applied', () => {
    const spec = parseAgentDefinition(VALID, 'agent.yaml');
    expect(spec.persona.voice).toBe('slt');
    expect(spec.intents.map((i) => i.name)).toEqual(['order_status', 'thanks']);
    expect(spec.flows[0]?.slots[0]?.maxAttempts).toBe(3);
    expect(spec.knowledge.minScore).toBe(0.35);
  });

  it('takes a privacy section with retention durations, defaults for what it leaves out', () => {
    const spec = parseAgentDefinition(
      `${VALID}privacy:\n  policyVersion: "2026-03"\n  retention: { transcripts: 7d, audio: 12h }\n`,
      'agent.yaml',
    );
    expect(spec.privacy).toEqual({
      policyVersion: '2026-03',
      retention: {
        transcripts: '7d',
        audio: '12h',
        memory: '365d',
        sessions: '90d',
        aggregates: 'forever',
        idleSession: '1d',
      },
    });
    expect(parseAgentDefinition(VALID, 'agent.yaml').privacy.policyVersion).toBe('1');
    const issues = issuesOf(`${VALID}privacy:\n  retention: { audio: 7 days }\n`);
    expect(issues[0]).toMatchObject({ field: 'privacy.retention.audio' });
  });

  it("lets a returning visitor's greeting use slots of the flows only", () => {
    const greeting = "  greeting: Hi, I'm Ava. How can I help?";
    const ok = withLine(
      3,
      `${greeting}\n  returningGreeting: Welcome back! Still about order {order_number}?`,
    );
    expect(parseAgentDefinition(ok, 'agent.yaml').persona.returningGreeting).toContain('{order_number}');
    const issues = issuesOf(withLine(3, `${greeting}\n  returningGreeting: Welcome back, {name}!`));
    expect(issues).toEqual([
      expect.objectContaining({
        field: 'persona.returningGreeting',
        message: expect.stringContaining('{name}'),
      }),
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const issues = issuesOf(withLine(11, '    examples: [thanks, thank you'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'agent.yaml', line: 12, field: '(syntax)' });
    expect(issues[0]?.message).toMatch(/YAML syntax/);
  });

  it('reports a duplicate YAML key where the second one is', () => {
    const issues = issuesOf(withLine(3, "  greeting: Hi, I'm Ava.\n  name: Eve"));
    expect(issues[0]).toMatchObject({ line: 4, column: 3 });
    expect(issues[0]?.message).toMatch(/duplicate key `name`/);
  });

  it('refuses several YAML documents in one file', () => {
    const issues = issuesOf(`${VALID}---\npersona: {}\n`);
    expect(issues[0]?.line).toBe(28);
    expect(issues[0]?.message).toMatch(/one YAML document/);
  });

  it('names the field, line and column of a schema error', () => {
    const issues = issuesOf(withLine(11, '    examples: [thanks]'));
    expect(issues).toEqual([
      {
        file: 'agent.yaml',
        line: 11,
        column: 5,
        field: 'intents[1].examples',
        message: 'give at least two example utterances',
      },
    ]);
    expect(() => parseAgentDefinition(withLine(11, '    examples: [thanks]'), 'agent.yaml')).toThrow(
      'agent.yaml:11:5 intents[1].examples: give at least two example utterances',
    );
  });

  it('points a missing required field at its parent', () => {
    const issues = issuesOf(withLine(3, ''));
    expect(issues).toEqual([expect.objectContaining({ line: 1, field: 'persona.greeting' })]);
    expect(issues[0]?.message).toBe('required field is missing');
  });

  it('points at a list item with a wrong type', () => {
    const issues = issuesOf(withLine(8, '      - 42'));
    expect(issues[0]).toMatchObject({ line: 8, column: 9, field: 'intents[0].examples[1]' });
    expect(issues[0]?.message).toMatch(/expected string/);
  });

  it('names an unknown field and suggests the close one', () => {
    const issues = issuesOf(withLine(12, '    response:'));
    expect(issues[0]).toMatchObject({ line: 12, column: 5, field: 'intents[1].response' });
    expect(issues[0]?.message).toBe('unknown field `response` (did you mean `responses`?)');
  });

  it('reports an invalid name and an unknown expression value', () => {
    const issues = issuesOf(withLine(10, '  - name: Thanks\n    expression: joyful'));
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [10, 'intents[1].name'],
      [11, 'intents[1].expression'],
    ]);
  });

  it('reports a refinement of an entity at the entity', () => {
    const issues = issuesOf(withLine(16, '    values: [{ value: a }]\n    kind: digits'));
    expect(issues[0]).toMatchObject({ line: 15, field: 'entities[0]' });
    expect(issues[0]?.message).toMatch(/exactly one of `values` or `kind`/);
  });

  it('finds an intent flow that names no flow', () => {
    const issues = issuesOf(withLine(9, '    flow: order_lokup'));
    expect(issues).toEqual([
      expect.objectContaining({ line: 9, column: 5, field: 'intents[0].flow' }),
      // The flow is now started by no intent.
      expect.objectContaining({ line: 19, field: 'flows[0].name' }),
    ]);
    expect(issues[0]?.message).toBe('no flow is named `order_lokup` (did you mean `order_lookup`?)');
  });

  it('finds a slot entity that names no entity', () => {
    const issues = issuesOf(withLine(22, '        entity: order_id'));
    expect(issues).toEqual([
      expect.objectContaining({ line: 22, column: 9, field: 'flows[0].slots[0].entity' }),
    ]);
  });

  it('finds duplicate intent, entity and flow names', () => {
    const intents = issuesOf(withLine(10, '  - name: order_status'));
    expect(intents[0]).toMatchObject({ line: 10, field: 'intents[1].name' });
    expect(intents[0]?.message).toMatch(/duplicate name `order_status`: intents\[0\]/);

    const entities = issuesOf(
      `${VALID.replace('flows:\n', '  - name: order_number\n    kind: number\nflows:\n')}`,
    );
    expect(entities[0]).toMatchObject({ line: 18, field: 'entities[1].name' });

    const flows = issuesOf(
      `${VALID}  - name: order_lookup\n    slots: [{ name: n, entity: order_number, prompt: Number?, reprompts: [Number?] }]\n    response: Done.\n`,
    );
    expect(flows[0]).toMatchObject({ line: 28, field: 'flows[1].name' });
  });

  it('points at a placeholder that names no slot of the flow, at its column', () => {
    const issues = issuesOf(withLine(26, '    response: Order {order_numbr} is {record.status}.'));
    expect(issues).toEqual([expect.objectContaining({ line: 26, column: 21, field: 'flows[0].response' })]);
    expect(issues[0]?.message).toBe('{order_numbr} names no slot of flow `order_lookup`');
  });

  it('refuses a record placeholder outside a lookup response, and unknown intent placeholders', () => {
    const notFound = issuesOf(withLine(27, '    notFound: No {record.status}.'));
    expect(notFound[0]).toMatchObject({ line: 27, field: 'flows[0].notFound' });
    const intent = issuesOf(withLine(13, '      - "You are welcome, {name}!"\n      - You are welcome!'));
    expect(intent[0]).toMatchObject({ line: 13, field: 'intents[1].responses[0]' });
    expect(intent[0]?.message).toMatch(/names no entity and no slot/);
  });

  it('asks for a plain response beside responses with placeholders', () => {
    const issues = issuesOf(withLine(13, '      - "Order {order_number}, you are welcome!"'));
    expect(issues[0]).toMatchObject({ line: 12, field: 'intents[1].responses' });
  });

  it('refuses an intent with nothing to say and a lookup without notFound', () => {
    const silent = issuesOf(VALID.replace("    responses:\n      - You're welcome!\n", ''));
    expect(silent[0]).toMatchObject({ line: 10, field: 'intents[1]' });
    const noNotFound = issuesOf(withLine(27, ''));
    expect(noNotFound[0]).toMatchObject({ line: 19, field: 'flows[0]' });
  });

  it('refuses the same example in two intents', () => {
    const issues = issuesOf(withLine(11, '    examples: [thanks, "Where is my order?"]'));
    expect(issues[0]).toMatchObject({ line: 11, field: 'intents[1].examples[1]' });
    expect(issues[0]?.message).toMatch(/intents\[0\] \(order_status\)/);
  });

  it('reports every schema problem at once, in file order', () => {
    const text = withLine(22, '        entity: Order').replace(
      '    examples: [thanks, thank you]',
      '    examples: [thanks]',
    );
    expect(issuesOf(text).map((i) => i.line)).toEqual([11, 22]);
  });

  it('reports an empty file as a missing persona and intents', () => {
    const issues = issuesOf('');
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining(['persona', 'intents']));
    expect(issues.every((i) => i.line === 1)).toBe(true);
  });

  it('reports an unresolved alias instead of crashing', () => {
    const issues = issuesOf(withLine(2, '  name: *missing'));
    expect(issues[0]?.field).toBe('(root)');
  });
});

describe('locateAgentField', () => {
  it('finds a nested field, or its nearest existing parent', () => {
    expect(locateAgentField(VALID, 'a.yaml', ['flows', 0, 'lookup', 'file'])).toEqual({
      file: 'a.yaml',
      line: 25,
      column: 15,
    });
    expect(locateAgentField(VALID, 'a.yaml', ['flows', 0, 'nothing'])).toMatchObject({ line: 19 });
  });
});

describe('templatePlaceholders', () => {
  it('lists slot and record placeholders in order', () => {
    expect(templatePlaceholders('Order {order_number} is {record.status}.')).toEqual([
      'order_number',
      'record.status',
    ]);
    expect(templatePlaceholders('No placeholders { here }.')).toEqual([]);
  });
});

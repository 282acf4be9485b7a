import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AgentSchema, type AgentSpec } from './agent-schema.js';
import { closestName } from './closest-name.js';
import { AgentDefinitionError, type AgentIssue, type SourceLocation } from './errors.js';

/** A field's path inside an agent definition, e.g. `['intents', 3, 'examples']`. */
export type AgentFieldPath = readonly (string | number)[];

/**
 * `{slot}` or `{record.field}` in a reply template. Kept in one place so validation and the
 * dialogue fill exactly the placeholders the author wrote.
 */
export const TEMPLATE_PLACEHOLDER = /\{([^{}\s]*)\}/g;

/**
 * An intent reply's `{speaker}`: the name of who spoke, in a conversation of several people
 * (docs/multi-party.md). Filled by the dialogue, never a slot; the plain replies serve without it.
 */
export const SPEAKER_PLACEHOLDER = 'speaker';

/** The names inside `{…}` placeholders of a template, in order of appearance. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(TEMPLATE_PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** `intents[3].examples` from `['intents', 3, 'examples']`. */
export function formatFieldPath(path: AgentFieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(root)';
}

/**
 * Parses and validates an agent definition (`agent.yaml`). Pure: the caller reads the file.
 * Every problem — YAML syntax, schema, cross-references — becomes an issue with the file, line,
 * column and field; all found issues are thrown together as one AgentDefinitionError.
 */
export function parseAgentDefinition(yamlText: string, file: string): AgentSpec {
  const parsed = parseYamlWithSchema(yamlText, file, AgentSchema);
  if ('issues' in parsed) throw new AgentDefinitionError(parsed.issues);
  const issues = crossReferenceIssues(parsed.data).map((i) => parsed.issueAt(i.path, i.message, i.needle));
  if (issues.length > 0) throw new AgentDefinitionError(sortIssues(issues));
  return parsed.data;
}

/** A YAML file that matched its schema, and where each of its fields is written. */
export interface ParsedYaml<T> {
  data: T;
  /** An issue at a field, e.g. for problems found after parsing; see `locateAgentField`. */
  issueAt(path: AgentFieldPath, message: string, needle?: string): AgentIssue;
}

/**
 * Parses one YAML document and validates it against `schema`. Pure: the caller reads the file.
 * Every problem — YAML syntax, unknown or missing fields, wrong values — becomes an issue with the
 * file, line, column and field, sorted by position; "did you mean" hints come from the schema.
 */
export function parseYamlWithSchema<T>(
  yamlText: string,
  file: string,
  schema: z.ZodType<T>,
): ParsedYaml<T> | { issues: AgentIssue[] } {
  const source = new YamlSource(yamlText, file, schema);
  const syntax = source.syntaxIssue();
  if (syntax) return { issues: [syntax] };

  let data: unknown;
  try {
    data = source.toJS();
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when the document is converted.
    return {
      issues: [{ file, line: 1, column: 1, field: '(root)', message: lowerFirst((error as Error).message) }],
    };
  }

  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) {
    return { issues: sortIssues(parsed.error.issues.flatMap((i) => source.schemaIssues(i))) };
  }
  return { data: parsed.data, issueAt: (path, message, needle) => source.issueAt(path, message, needle) };
}

/**
 * Where a field of an agent definition is written, for errors found after parsing (a missing
 * lookup file, a record field no record has). Falls back to the nearest enclosing field that exists.
 */
export function locateAgentField(yamlText: string, file: string, path: AgentFieldPath): SourceLocation {
  const { file: f, line, column } = new YamlSource(yamlText, file, AgentSchema).issueAt(path, '');
  return { file: f, line, column };
}

interface PendingIssue {
  path: AgentFieldPath;
  message: string;
  /** Text inside the field's value to point at, e.g. the offending `{placeholder}`. */
  needle?: string;
}

class YamlSource {
  private readonly lines = new LineCounter();
  private readonly doc;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly schema: z.ZodType,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** The first syntax error only: later ones are usually consequences of it. */
  syntaxIssue(): AgentIssue | null {
    const error = this.doc.errors[0];
    if (!error) return null;
    const message =
      error.code === 'MULTIPLE_DOCS'
        ? 'the file holds one YAML document; remove the `---` separator'
        : error.code === 'DUPLICATE_KEY'
          ? `duplicate key \`${keyAt(this.text, error.pos[0])}\`: each key may appear once in a mapping`
          : `YAML syntax: ${lowerFirst(error.message)}`;
    return { ...this.position(error.pos[0]), field: '(syntax)', message };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  schemaIssues(issue: z.core.$ZodIssue): AgentIssue[] {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(this.schema, path);
      return issue.keys.map((key) => {
        const suggestion = closestName(key, known);
        const hint = suggestion ? ` (did you mean \`${suggestion}\`?)` : '';
        return this.issueAt([...path, key], `unknown field \`${key}\`${hint}`);
      });
    }
    if (issue.code === 'invalid_type' && !this.has(path)) {
      return [this.issueAt(path, 'required field is missing')];
    }
    return [this.issueAt(path, lowerFirst(issue.message.replace(/^Invalid input: /, '')))];
  }

  issueAt(path: AgentFieldPath, message: string, needle?: string): AgentIssue {
    const { offset, found, node } = this.find(path);
    let at = offset;
    if (found && needle && node && isScalar(node) && node.range) {
      // Point at the exact placeholder when the scalar is written as it reads (no escapes across it).
      const index = this.text.slice(node.range[0], node.range[1]).indexOf(needle);
      if (index >= 0) at = node.range[0] + index;
    }
    return { ...this.position(at), field: formatFieldPath(path), message };
  }

  private has(path: AgentFieldPath): boolean {
    return this.find(path).found;
  }

  /**
   * The position of a field: its key for a mapping entry (`examples:`), the item itself for a list
   * entry. A path that does not exist resolves to the deepest part that does.
   */
  private find(path: AgentFieldPath): { offset: number; found: boolean; node: Node | null } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
        if (!pair) return { offset, found: false, node: null };
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) return { offset, found: false, node: null };
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        return { offset, found: false, node: null };
      }
    }
    return { offset, found: true, node: (node as Node | null) ?? null };
  }

  private position(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }
}

function keyAt(text: string, offset: number): string {
  const key = /^["']?([^"':\n]*)/.exec(text.slice(offset))?.[1]?.trim();
  return key || '?';
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

/** The field names a strict object at `path` accepts, for "did you mean" hints. */
function knownKeysAt(root: z.ZodType, path: AgentFieldPath): string[] {
  let schema: z.ZodType = root;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = (
      schema as { def?: { type?: string; shape?: Record<string, z.ZodType>; element?: z.ZodType } }
    ).def;
    if (def?.type === 'object' && typeof segment === 'string' && def.shape?.[segment]) {
      schema = def.shape[segment];
    } else if (def?.type === 'array' && typeof segment === 'number' && def.element) {
      schema = def.element;
    } else {
      return [];
    }
  }
  const def = (unwrap(schema) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Sees through `.default()`, `.optional()` and `.refine()` wrappers to the underlying schema. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } };
  for (let i = 0; i < 10; i++) {
    const inner = current.def.innerType ?? (current.def.type === 'pipe' ? current.def.in : undefined);
    if (!inner) break;
    current = inner as unknown as typeof current;
  }
  return current as unknown as z.ZodType;
}

/** Checks the schema cannot express: names that refer to each other, templates, reachability. */
function crossReferenceIssues(spec: AgentSpec): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const firstIndex = (kind: 'intents' | 'entities' | 'flows') => {
    const seen = new Map<string, number>();
    spec[kind].forEach((item, i) => {
      const earlier = seen.get(item.name);
      if (earlier === undefined) seen.set(item.name, i);
      else
        issues.push({
          path: [kind, i, 'name'],
          message: `duplicate name \`${item.name}\`: ${kind}[${earlier}] already uses it`,
        });
    });
    return seen;
  };
  firstIndex('intents');
  const entities = firstIndex('entities');
  const flows = firstIndex('flows');

  const allSlots = new Set(spec.flows.flatMap((f) => f.slots.map((s) => s.name)));

  spec.entities.forEach((entity, e) => {
    if (entity.length && entity.values) {
      issues.push({
        path: ['entities', e, 'length'],
        message: '`length` applies to a `kind`, not to `values`',
      });
    }
    if (entity.length && entity.length.min > entity.length.max) {
      issues.push({ path: ['entities', e, 'length'], message: '`min` must not be greater than `max`' });
    }
  });

  const startedFlows = new Set<string>();
  const exampleOwner = new Map<string, number>();
  spec.intents.forEach((intent, i) => {
    if (intent.flow !== undefined) {
      if (flows.has(intent.flow)) startedFlows.add(intent.flow);
      else issues.push({ path: ['intents', i, 'flow'], message: unknownName('flow', intent.flow, flows) });
    }
    if (intent.responses.length === 0 && intent.flow === undefined) {
      issues.push({
        path: ['intents', i],
        message: 'give `responses` or a `flow`: otherwise the agent has nothing to say',
      });
    }
    intent.examples.forEach((example, x) => {
      const key = normaliseExample(example);
      const owner = exampleOwner.get(key);
      if (owner === undefined) exampleOwner.set(key, i);
      else if (owner !== i)
        issues.push({
          path: ['intents', i, 'examples', x],
          message: `the same example is in intents[${owner}] (${spec.intents[owner]?.name}); an utterance belongs to one intent`,
        });
    });
    // An intent reply may use an entity of this utterance or a slot filled earlier in the conversation.
    const known = new Set([...entities.keys(), ...allSlots, SPEAKER_PLACEHOLDER]);
    let withoutPlaceholders = 0;
    intent.responses.forEach((response, r) => {
      const names = templatePlaceholders(response);
      if (names.length === 0) withoutPlaceholders++;
      for (const name of names) {
        if (!known.has(name)) {
          issues.push({
            path: ['intents', i, 'responses', r],
            message: `{${name}} names no entity and no slot of any flow`,
            needle: `{${name}}`,
          });
        }
      }
    });
    if (intent.responses.length > 0 && withoutPlaceholders === 0) {
      issues.push({
        path: ['intents', i, 'responses'],
        message: 'add one response without {placeholders}: it is said when they cannot be filled',
      });
    }
  });

  spec.flows.forEach((flow, f) => {
    if (!startedFlows.has(flow.name)) {
      issues.push({
        path: ['flows', f, 'name'],
        message: `no intent starts flow \`${flow.name}\`: give an intent \`flow: ${flow.name}\``,
      });
    }
    const slotNames = flow.slots.map((s) => s.name);
    flow.slots.forEach((slot, s) => {
      if (slotNames.indexOf(slot.name) !== s) {
        issues.push({ path: ['flows', f, 'slots', s, 'name'], message: `duplicate slot \`${slot.name}\`` });
      }
      if (!entities.has(slot.entity)) {
        issues.push({
          path: ['flows', f, 'slots', s, 'entity'],
          message: unknownName('entity', slot.entity, entities),
        });
      }
      // A prompt may only use the slots asked before it: later ones are still empty.
      const askedBefore = new Set(slotNames.slice(0, s));
      const prompts: [AgentFieldPath, string][] = [
        [['flows', f, 'slots', s, 'prompt'], slot.prompt],
        ...slot.reprompts.map((text, r): [AgentFieldPath, string] => [
          ['flows', f, 'slots', s, 'reprompts', r],
          text,
        ]),
      ];
      for (const [path, text] of prompts) {
        for (const name of templatePlaceholders(text)) {
          if (!askedBefore.has(name)) {
            issues.push({
              path,
              message: slotNames.includes(name)
                ? `{${name}} is asked later in the flow; a prompt can use only slots asked before it`
                : `{${name}} names no slot of flow \`${flow.name}\``,
              needle: `{${name}}`,
            });
          }
        }
      }
    });
    if (flow.lookup) {
      if (!slotNames.includes(flow.lookup.key)) {
        issues.push({
          path: ['flows', f, 'lookup', 'key'],
          message: `\`${flow.lookup.key}\` is no slot of flow \`${flow.name}\`; the key is matched against a slot`,
        });
      }
      if (flow.notFound === undefined) {
        issues.push({
          path: ['flows', f],
          message: 'a flow with a `lookup` needs `notFound`: what to say when no record matches',
        });
      }
    } else if (flow.notFound !== undefined) {
      issues.push({ path: ['flows', f, 'notFound'], message: '`notFound` is only used with a `lookup`' });
    }
    const templates: [AgentFieldPath, string | undefined, boolean][] = [
      [['flows', f, 'response'], flow.response, true],
      [['flows', f, 'notFound'], flow.notFound, false],
      [['flows', f, 'onFail'], flow.onFail, false],
    ];
    for (const [path, text, recordAllowed] of templates) {
      for (const name of templatePlaceholders(text ?? '')) {
        const message = placeholderProblem(name, slotNames, flow.name, recordAllowed && !!flow.lookup);
        if (message) issues.push({ path, message, needle: `{${name}}` });
      }
    }
  });

  const persona: [AgentFieldPath, string][] = [
    [['persona', 'greeting'], spec.persona.greeting],
    ...spec.persona.fallback.map((text, i): [AgentFieldPath, string] => [['persona', 'fallback', i], text]),
  ];
  for (const [path, text] of persona) {
    for (const name of templatePlaceholders(text)) {
      issues.push({ path, message: `{${name}}: persona lines have no slots to fill`, needle: `{${name}}` });
    }
  }
  // A returning visitor's greeting may use what is remembered of them: the slots of the flows.
  const returning = spec.persona.returningGreeting;
  for (const name of templatePlaceholders(returning ?? '')) {
    if (!allSlots.has(name)) {
      issues.push({
        path: ['persona', 'returningGreeting'],
        message: `{${name}} names no slot of any flow: a returning visitor's greeting uses remembered slots`,
        needle: `{${name}}`,
      });
    }
  }
  return issues;
}

function placeholderProblem(
  name: string,
  slots: string[],
  flow: string,
  recordAllowed: boolean,
): string | null {
  if (name.startsWith('record.')) {
    if (!recordAllowed) return `{${name}}: only a flow's \`response\` with a \`lookup\` has a record`;
    return /^record\.[A-Za-z0-9_]+$/.test(name) ? null : `{${name}}: write {record.field}`;
  }
  return slots.includes(name) ? null : `{${name}} names no slot of flow \`${flow}\``;
}

function unknownName(kind: string, name: string, known: Map<string, number>): string {
  const suggestion = closestName(name, [...known.keys()]);
  const list = [...known.keys()].join(', ') || 'none';
  return suggestion
    ? `no ${kind} is named \`${name}\` (did you mean \`${suggestion}\`?)`
    : `no ${kind} is named \`${name}\`; defined: ${list}`;
}

function normaliseExample(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function sortIssues(issues: AgentIssue[]): AgentIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

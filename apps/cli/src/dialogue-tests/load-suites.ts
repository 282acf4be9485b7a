import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentFieldPath,
  type AgentIssue,
  type AgentSpec,
  ErrorCode,
  type ParsedYaml,
  parseYamlWithSchema,
  VisemoError,
} from '@visemo/core';
import { FLITE_VOICES } from '@visemo/speech';
import { regexMatcher, textMatcher } from './expectations.js';
import {
  type ConversationSpec,
  DialogueSuiteSchema,
  type DialogueSuiteSpec,
  type StepSpec,
} from './suite-schema.js';

/** The held-out utterances of the NLU benchmarks share the folder; they are no conversations. */
const HELD_OUT_FILE = 'utterances.yaml';

export interface LoadedStep extends StepSpec {
  /** Where the step is written, `tests/orders.yaml:14`. */
  at: string;
}

export interface LoadedConversation extends Omit<ConversationSpec, 'steps'> {
  /** The file it is in, relative to the agent folder: `tests/orders.yaml`. */
  file: string;
  at: string;
  steps: LoadedStep[];
}

export interface DialogueSuite {
  /** Relative to the agent folder. */
  file: string;
  conversations: LoadedConversation[];
}

/** Problems in dialogue test files, each with its file, line and column. */
export class DialogueSuiteError extends VisemoError {
  constructor(readonly issues: AgentIssue[]) {
    super(
      ErrorCode.AgentInvalid,
      issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'DialogueSuiteError';
  }
}

/**
 * Reads every dialogue test file of an agent: `tests/*.yaml` but the held-out utterances. All
 * problems of all files are thrown together as one DialogueSuiteError.
 */
export async function loadDialogueSuites(agentDir: string, spec: AgentSpec): Promise<DialogueSuite[]> {
  const folder = path.join(agentDir, 'tests');
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.ya?ml$/.test(n) && n !== HELD_OUT_FILE).sort();
  } catch (error) {
    throw new VisemoError(
      ErrorCode.AgentInvalid,
      `cannot read ${folder}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const suites: DialogueSuite[] = [];
  const issues: AgentIssue[] = [];
  for (const name of names) {
    const file = path.join('tests', name);
    const text = await readFile(path.join(folder, name), 'utf8');
    const parsed = parseDialogueSuite(text, path.join(agentDir, file), spec);
    if ('issues' in parsed) issues.push(...parsed.issues);
    else suites.push(locateSuite(file, parsed));
  }
  if (issues.length > 0) throw new DialogueSuiteError(issues);
  if (suites.length === 0) {
    throw new VisemoError(ErrorCode.AgentInvalid, `no dialogue test files in ${folder} (tests/*.yaml)`);
  }
  return suites;
}

/**
 * Validates one test file against the schema and against the agent: intents, entities, flows and
 * voices it names must exist, patterns must compile. `file` is the name used in the issues.
 */
export function parseDialogueSuite(
  text: string,
  file: string,
  spec: AgentSpec,
): ParsedYaml<DialogueSuiteSpec> | { issues: AgentIssue[] } {
  const parsed = parseYamlWithSchema(text, file, DialogueSuiteSchema);
  if ('issues' in parsed) return parsed;
  const issues = agentReferenceIssues(parsed.data, spec).map((i) => parsed.issueAt(i.path, i.message));
  return issues.length > 0 ? { issues } : parsed;
}

function locateSuite(file: string, parsed: ParsedYaml<DialogueSuiteSpec>): DialogueSuite {
  const lineOf = (p: AgentFieldPath) => `${file}:${parsed.issueAt(p, '').line}`;
  return {
    file,
    conversations: parsed.data.conversations.map((c, i) => ({
      ...c,
      file,
      at: lineOf(['conversations', i]),
      steps: c.steps.map((s, j) => ({ ...s, at: lineOf(['conversations', i, 'steps', j]) })),
    })),
  };
}

function agentReferenceIssues(suite: DialogueSuiteSpec, spec: AgentSpec) {
  const issues: { path: AgentFieldPath; message: string }[] = [];
  const intents = new Set(spec.intents.map((i) => i.name));
  const entities = new Set(spec.entities.map((e) => e.name));
  const flows = new Map(spec.flows.map((f) => [f.name, new Set(f.slots.map((s) => s.name))]));
  const voices = new Set<string>(FLITE_VOICES);
  const checkVoices = (skip: Record<string, string> | undefined, at: AgentFieldPath) => {
    for (const voice of Object.keys(skip ?? {})) {
      if (!voices.has(voice))
        issues.push({
          path: [...at, voice],
          message: `no embedded voice "${voice}"; voices: ${FLITE_VOICES.join(', ')}`,
        });
    }
  };
  const checkPattern = (compile: () => unknown, at: AgentFieldPath) => {
    try {
      compile();
    } catch (error) {
      issues.push({ path: at, message: `not a regular expression: ${(error as Error).message}` });
    }
  };

  suite.conversations.forEach((conversation, c) => {
    checkVoices(conversation.spoken?.skip, ['conversations', c, 'spoken', 'skip']);
    conversation.steps.forEach((step, s) => {
      const at: AgentFieldPath = ['conversations', c, 'steps', s];
      checkVoices(step.spoken?.skip, [...at, 'spoken', 'skip']);
      const expect = step.expect;
      if (!expect) return;
      if (expect.intent && !intents.has(expect.intent))
        issues.push({
          path: [...at, 'expect', 'intent'],
          message: `the agent has no intent "${expect.intent}"`,
        });
      for (const entity of Object.keys(expect.entities ?? {})) {
        if (!entities.has(entity))
          issues.push({
            path: [...at, 'expect', 'entities', entity],
            message: `the agent has no entity "${entity}"`,
          });
      }
      const allSlots = new Set([...flows.values()].flatMap((slots) => [...slots]));
      for (const slot of Object.keys(expect.slots ?? {})) {
        if (!allSlots.has(slot))
          issues.push({
            path: [...at, 'expect', 'slots', slot],
            message: `no flow of the agent has a slot "${slot}"`,
          });
      }
      const flow = expect.flow;
      if (flow?.name === undefined && flow?.awaiting !== undefined && !allSlots.has(flow.awaiting)) {
        issues.push({
          path: [...at, 'expect', 'flow', 'awaiting'],
          message: `no flow of the agent has a slot "${flow.awaiting}"`,
        });
      }
      if (flow?.name !== undefined) {
        const slots = flows.get(flow.name);
        if (!slots)
          issues.push({
            path: [...at, 'expect', 'flow', 'name'],
            message: `the agent has no flow "${flow.name}"`,
          });
        else if (flow.awaiting !== undefined && !slots.has(flow.awaiting))
          issues.push({
            path: [...at, 'expect', 'flow', 'awaiting'],
            message: `flow "${flow.name}" has no slot "${flow.awaiting}"`,
          });
      }
      const reply = expect.reply;
      if (typeof reply === 'string') checkPattern(() => textMatcher(reply), [...at, 'expect', 'reply']);
      else if (reply) {
        const many = Array.isArray(reply.contains);
        [reply.contains ?? []].flat().forEach((text, i) => {
          checkPattern(() => textMatcher(text), [...at, 'expect', 'reply', 'contains', ...(many ? [i] : [])]);
        });
        const { matches } = reply;
        if (matches !== undefined)
          checkPattern(() => regexMatcher(matches), [...at, 'expect', 'reply', 'matches']);
      }
    });
  });
  return issues;
}

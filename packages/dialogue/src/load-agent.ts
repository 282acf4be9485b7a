import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type Agent,
  AgentDefinitionError,
  type AgentFieldPath,
  type AgentIssue,
  type AgentSource,
  type AgentSpec,
  formatFieldPath,
  type KnowledgePage,
  locateAgentField,
  parseAgentDefinition,
  templatePlaceholders,
} from '@visemo/core';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { pageTitle } from './markdown-passages.js';

const AGENT_FILE = 'agent.yaml';

/**
 * Loads an agent folder: `agent.yaml`, the knowledge folder's Markdown pages (recursively, in name
 * order), and each flow's lookup file. Every problem is an AgentDefinitionError naming the file
 * (and, where there is one, the line). The agent keeps agent.yaml's text as its `source`, so checks
 * made later (the server's of `providers:`) point at lines without reading the file again.
 */
export async function loadAgent(dir: string): Promise<Agent & { source: AgentSource }> {
  const agentFile = path.join(dir, AGENT_FILE);
  let yamlText: string;
  try {
    yamlText = await readFile(agentFile, 'utf8');
  } catch (error) {
    throw fileIssue(
      agentFile,
      `cannot read the agent definition: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const spec = parseAgentDefinition(yamlText, agentFile);
  const at = (field: AgentFieldPath, message: string): AgentIssue => ({
    ...locateAgentField(yamlText, agentFile, field),
    field: formatFieldPath(field),
    message,
  });

  const issues: AgentIssue[] = [];
  const knowledge = await loadKnowledge(dir, spec, at, issues);
  const lookups: Record<string, Record<string, unknown>[]> = {};
  for (const [f, flow] of spec.flows.entries()) {
    if (!flow.lookup) continue;
    const records = await loadLookup(dir, flow.lookup.file, ['flows', f, 'lookup', 'file'], at, issues);
    if (!records) continue;
    lookups[flow.name] = records.records;
    const key = flow.lookup.key;
    records.records.forEach((record, r) => {
      if (record[key] === undefined || record[key] === null) {
        issues.push({
          ...records.locate(r),
          field: `[${r}].${key}`,
          message: `record has no \`${key}\` (the lookup key)`,
        });
      }
    });
    for (const name of templatePlaceholders(flow.response)) {
      const field = name.startsWith('record.') ? name.slice('record.'.length) : null;
      if (field && !records.records.some((rec) => rec[field] !== undefined)) {
        issues.push(
          at(
            ['flows', f, 'response'],
            `{${name}}: no record in ${flow.lookup.file} has a field \`${field}\``,
          ),
        );
      }
    }
  }
  const model = spec.persona.look.model;
  if (model) await checkAvatarModel(path.join(dir, model), ['persona', 'look', 'model'], at, issues);
  if (issues.length > 0) throw new AgentDefinitionError(issues);
  return { dir, spec, knowledge, lookups, source: { file: agentFile, text: yamlText } };
}

/** Larger than this, the page would keep a visitor waiting for the avatar. */
const MAX_AVATAR_MODEL_BYTES = 32 * 1024 * 1024;

/** The agent's avatar file: there, not too large, and a binary glTF (which VRM is too). */
async function checkAvatarModel(
  file: string,
  field: AgentFieldPath,
  at: (field: AgentFieldPath, message: string) => AgentIssue,
  issues: AgentIssue[],
): Promise<void> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > MAX_AVATAR_MODEL_BYTES) {
      issues.push(at(field, `${path.basename(file)} is ${info.size} bytes, over ${MAX_AVATAR_MODEL_BYTES}`));
      return;
    }
    bytes = await readFile(file);
  } catch (error) {
    issues.push(at(field, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`));
    return;
  }
  if (bytes.subarray(0, 4).toString('latin1') !== 'glTF') {
    issues.push(at(field, `${path.basename(file)} is not a binary glTF (GLB or VRM) file`));
  }
}

async function loadKnowledge(
  dir: string,
  spec: AgentSpec,
  at: (field: AgentFieldPath, message: string) => AgentIssue,
  issues: AgentIssue[],
): Promise<KnowledgePage[]> {
  const folder = spec.knowledge.folder;
  const root = insideAgent(dir, folder);
  if (!root) {
    issues.push(at(['knowledge', 'folder'], 'the knowledge folder must be inside the agent folder'));
    return [];
  }
  let files: string[];
  try {
    files = await markdownFiles(root);
  } catch (error) {
    // Without a knowledge folder the agent simply has no knowledge, unless one was named explicitly.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && folder === 'knowledge') return [];
    issues.push(at(['knowledge', 'folder'], `cannot read ${path.join(dir, folder)}: ${errorCode(error)}`));
    return [];
  }
  const pages: KnowledgePage[] = [];
  for (const file of files) {
    const markdown = await readFile(file, 'utf8');
    const source = path.relative(dir, file).split(path.sep).join('/');
    pages.push({ source, title: pageTitle(markdown, source), markdown });
  }
  return pages;
}

async function markdownFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await markdownFiles(full)));
    else if (entry.isFile() && /\.md$/i.test(entry.name)) out.push(full);
  }
  return out;
}

interface LoadedRecords {
  records: Record<string, unknown>[];
  /** Where record `r` starts in its file. */
  locate(r: number): { file: string; line: number; column: number };
}

/** Reads a lookup file: a YAML or JSON list of records (mappings). */
async function loadLookup(
  dir: string,
  relative: string,
  field: AgentFieldPath,
  at: (field: AgentFieldPath, message: string) => AgentIssue,
  issues: AgentIssue[],
): Promise<LoadedRecords | null> {
  const file = insideAgent(dir, relative);
  if (!file) {
    issues.push(at(field, `${relative}: a lookup file must be inside the agent folder`));
    return null;
  }
  if (!/\.(ya?ml|json)$/i.test(file)) {
    issues.push(at(field, `${relative}: a lookup file is .yaml, .yml or .json`));
    return null;
  }
  let text: string;
  try {
    if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    text = await readFile(file, 'utf8');
  } catch (error) {
    issues.push(at(field, `cannot read ${file}: ${errorCode(error)}`));
    return null;
  }
  // JSON is YAML, so one parser serves both and gives line numbers for either.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const syntax = doc.errors[0];
  if (syntax) {
    issues.push({ ...position(syntax.pos[0]), field: '(syntax)', message: `YAML syntax: ${syntax.message}` });
    return null;
  }
  const list = doc.contents;
  if (!isSeq(list)) {
    issues.push({ ...position(0), field: '(root)', message: 'a lookup file holds a list of records' });
    return null;
  }
  const records: Record<string, unknown>[] = [];
  list.items.forEach((item, r) => {
    const offset = (item as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    if (!isMap(item)) {
      issues.push({ ...position(offset), field: `[${r}]`, message: 'each record is a mapping of fields' });
      return;
    }
    records.push(item.toJSON() as Record<string, unknown>);
  });
  return {
    records,
    locate: (r) => position((list.items[r] as { range?: [number, number, number] } | null)?.range?.[0] ?? 0),
  };
}

/** The absolute path of `relative` if it stays inside the agent folder, else null. */
function insideAgent(dir: string, relative: string): string | null {
  const root = path.resolve(dir);
  const full = path.resolve(root, relative);
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

function fileIssue(file: string, message: string): AgentDefinitionError {
  return new AgentDefinitionError([{ file, line: 1, column: 1, field: '(file)', message }]);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

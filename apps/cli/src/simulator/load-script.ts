import { type AgentIssue, parseYamlWithSchema } from '@visemo/core';
import { FLITE_VOICES } from '@visemo/speech';
import { parse } from 'yaml';
import { InputError, readInputFile } from '../args.js';
import { DialogueSuiteSchema } from '../dialogue-tests/suite-schema.js';
import { type CallerSpec, SimulationScriptSchema } from './script-schema.js';

/**
 * Callers from a YAML file: a simulation script (`callers:`), or a dialogue test file
 * (`conversations:`), whose conversations become callers speaking in the Flite voices in turn,
 * each line as the file's `spoken.says` gives it.
 */
export async function loadCallerScript(file: string): Promise<CallerSpec[]> {
  const text = await readInputFile(file);
  let top: unknown;
  try {
    top = parse(text);
  } catch {
    top = undefined; // the schema parse below reports the syntax error with its line
  }
  if (top && typeof top === 'object' && 'conversations' in top) {
    const parsed = parseYamlWithSchema(text, file, DialogueSuiteSchema);
    if ('issues' in parsed) throw new InputError(describe(parsed.issues));
    return parsed.data.conversations.map((c, i) => ({
      name: c.name,
      voice: FLITE_VOICES[i % FLITE_VOICES.length],
      steps: c.steps.map((s) => ({
        says: s.spoken?.says ?? s.says,
        ...(s.expect ? { expect: s.expect } : {}),
      })),
    }));
  }
  const parsed = parseYamlWithSchema(text, file, SimulationScriptSchema);
  if ('issues' in parsed) throw new InputError(describe(parsed.issues));
  return parsed.data.callers;
}

function describe(issues: AgentIssue[]): string {
  return `the script has errors:\n${issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n')}`;
}

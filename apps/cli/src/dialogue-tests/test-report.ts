import { type ConversationResult, modeName, type StepResult } from './run-conversations.js';

/** One line per conversation as it finishes: ✓/✗/- , the mode, the name, and where it is. */
export function progressLine(result: ConversationResult): string {
  const mark = result.status === 'passed' ? '✓' : result.status === 'failed' ? '✗' : '-';
  const steps = `${result.steps.length}/${result.conversation.steps.length} steps`;
  const typed = result.steps.filter((s) => s.typedBecause !== undefined).length;
  const notes = [
    result.status === 'skipped' ? `skipped: ${result.skipReason}` : steps,
    typed > 0 ? `${typed} typed for this voice` : '',
  ].filter(Boolean);
  return `${mark} [${modeName(result.mode)}] ${result.conversation.name} (${notes.join(', ')})`;
}

/**
 * What went wrong in a failed conversation: the failing step, where it is written, what was said
 * and heard, each field expected against actual, and the agent's whole reply.
 */
export function failureReport(result: ConversationResult): string {
  const failing = result.steps.at(-1);
  if (!failing) return '';
  const lines = [`${result.conversation.name} [${modeName(result.mode)}] — ${result.conversation.at}`];
  result.steps.slice(0, -1).forEach((s, i) => {
    lines.push(`  step ${i + 1} ok: ${JSON.stringify(s.step.says)}`);
  });
  lines.push(...describeFailingStep(failing, result.steps.length));
  if (result.notRun > 0)
    lines.push(`  (${result.notRun} later step${result.notRun === 1 ? '' : 's'} not run)`);
  return lines.join('\n');
}

function describeFailingStep(s: StepResult, number: number): string[] {
  const o = s.observation;
  const lines = [`  step ${number} FAILED at ${s.step.at}`, `    says      ${JSON.stringify(s.step.says)}`];
  if (s.said !== undefined) {
    lines.push(`    spoken    ${JSON.stringify(s.said)}`);
    lines.push(`    heard     ${o.understood ? JSON.stringify(o.heard) : '(not understood)'}`);
  }
  if (s.typedBecause !== undefined) lines.push(`    typed     (this voice: ${s.typedBecause})`);
  for (const problem of s.problems) lines.push(`    problem   ${problem}`);
  for (const m of s.mismatches) {
    lines.push(`    ${m.field.padEnd(9)} expected ${m.expected}`);
    lines.push(`    ${''.padEnd(9)} actual   ${m.actual}`);
  }
  if (!s.mismatches.some((m) => m.field === 'reply')) lines.push(`    reply     ${JSON.stringify(o.reply)}`);
  const flow = o.flow
    ? `${o.flow.name} ${o.flow.status}${o.flow.awaiting ? ` awaiting ${o.flow.awaiting}` : ''}`
    : '(none)';
  lines.push(
    `    turn      intent ${o.intent ?? '(none)'} ${o.confidence.toFixed(2)} · by ${o.answeredBy ?? '-'} · flow ${flow}`,
  );
  return lines;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
}

export function summarize(results: readonly ConversationResult[]): RunSummary {
  const count = (status: ConversationResult['status']) => results.filter((r) => r.status === status).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}

/** The closing line, in the form CI tools read: `N passed, N failed, N skipped`. */
export function summaryLine(summary: RunSummary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}

import { type ConversationResult, modeName } from './run-conversations.js';
import { failureReport } from './test-report.js';

/**
 * The results as JUnit XML, the report CI servers read: one `testsuite` per test file and mode,
 * one `testcase` per conversation, a `failure` with the readable diff, `skipped` with its reason.
 */
export function junitXml(agent: string, results: readonly ConversationResult[]): string {
  const groups = new Map<string, ConversationResult[]>();
  for (const r of results) {
    const key = `${agent}/${r.conversation.file} [${modeName(r.mode)}]`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const seconds = (list: readonly ConversationResult[]) =>
    (list.reduce((t, r) => t + r.durationMs, 0) / 1000).toFixed(3);
  const counts = (list: readonly ConversationResult[]) =>
    `tests="${list.length}" failures="${list.filter((r) => r.status === 'failed').length}" errors="0" skipped="${list.filter((r) => r.status === 'skipped').length}" time="${seconds(list)}"`;

  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`visemo test ${agent}`)}" ${counts(results)}>`,
  ];
  for (const [name, list] of groups) {
    out.push(`  <testsuite name="${xmlAttr(name)}" ${counts(list)}>`);
    for (const r of list) {
      const open = `    <testcase name="${xmlAttr(r.conversation.name)}" classname="${xmlAttr(name)}" file="${xmlAttr(r.conversation.file)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.status === 'passed') {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (r.status === 'skipped') out.push(`      <skipped message="${xmlAttr(r.skipReason ?? '')}"/>`);
      else {
        const first = r.steps.at(-1);
        const message = first
          ? [
              ...first.problems,
              ...first.mismatches.map((m) => `${m.field}: expected ${m.expected}, actual ${m.actual}`),
            ].join('; ')
          : 'failed';
        out.push(
          `      <failure message="${xmlAttr(message)}" type="expectation">${xmlText(failureReport(r))}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** XML 1.0 cannot carry most control characters, even escaped. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

export function xmlText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

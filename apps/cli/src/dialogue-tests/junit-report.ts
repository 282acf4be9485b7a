import { type JunitCase, junitDocument } from '../junit-xml.js';
import { type ConversationResult, modeName } from './run-conversations.js';
import { failureReport } from './test-report.js';

/**
 * The results as JUnit XML, the report CI servers read: one `testsuite` per test file and mode,
 * one `testcase` per conversation, a `failure` with the readable diff, `skipped` with its reason.
 */
export function junitXml(agent: string, results: readonly ConversationResult[]): string {
  const groups = new Map<string, JunitCase[]>();
  for (const r of results) {
    const key = `${agent}/${r.conversation.file} [${modeName(r.mode)}]`;
    const testCase: JunitCase = {
      name: r.conversation.name,
      classname: key,
      file: r.conversation.file,
      timeMs: r.durationMs,
    };
    if (r.status === 'skipped') testCase.skipped = r.skipReason ?? '';
    if (r.status === 'failed') {
      const last = r.steps.at(-1);
      const message = last
        ? [
            ...last.problems,
            ...last.mismatches.map((m) => `${m.field}: expected ${m.expected}, actual ${m.actual}`),
          ].join('; ')
        : 'failed';
      testCase.failure = { message, type: 'expectation', text: failureReport(r) };
    }
    groups.set(key, [...(groups.get(key) ?? []), testCase]);
  }
  return junitDocument(
    `visemo test ${agent}`,
    [...groups].map(([name, cases]) => ({ name, cases })),
  );
}

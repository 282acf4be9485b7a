/** One test case of a JUnit report. */
export interface JunitCase {
  name: string;
  classname: string;
  file?: string;
  timeMs: number;
  failure?: { message: string; type: string; text: string };
  skipped?: string;
}

/**
 * A JUnit XML report, the format CI servers read: `testsuites` named `name`, a `testsuite` per
 * group, with the counts and times each level carries.
 */
export function junitDocument(
  name: string,
  suites: readonly { name: string; cases: readonly JunitCase[] }[],
): string {
  const counts = (cases: readonly JunitCase[]) =>
    `tests="${cases.length}" failures="${cases.filter((c) => c.failure).length}" errors="0" skipped="${cases.filter((c) => c.skipped !== undefined).length}" time="${seconds(cases.reduce((t, c) => t + c.timeMs, 0))}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(name)}" ${counts(suites.flatMap((s) => s.cases))}>`,
  ];
  for (const suite of suites) {
    out.push(`  <testsuite name="${xmlAttr(suite.name)}" ${counts(suite.cases)}>`);
    for (const c of suite.cases) {
      const file = c.file === undefined ? '' : ` file="${xmlAttr(c.file)}"`;
      const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}"${file} time="${seconds(c.timeMs)}"`;
      if (!c.failure && c.skipped === undefined) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.skipped !== undefined) out.push(`      <skipped message="${xmlAttr(c.skipped)}"/>`);
      if (c.failure)
        out.push(
          `      <failure message="${xmlAttr(c.failure.message)}" type="${xmlAttr(c.failure.type)}">${xmlText(c.failure.text)}</failure>`,
        );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML 1.0 cannot carry most control characters, even escaped. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

function xmlText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../src/media-checks/check-report.js';
import { runVisemo } from './support/run-visemo.js';

let dir: string;
let sentences: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-check-'));
  sentences = path.join(dir, 'sentences.txt');
  await writeFile(
    sentences,
    '# two replies\nYour order was shipped on Monday and should arrive within three days.\n\nIs there anything else I can help you with?\n',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `visemo check` of the two sentences with flite slt, and `flags`. */
function checkSlt(...flags: string[]) {
  return runVisemo(['check', '--voices', 'slt', '--sentences', sentences, ...flags]);
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

describe('visemo check', () => {
  it('measures two sentences spoken by flite slt within the default thresholds', async () => {
    const junit = path.join(dir, 'pass.xml');
    const run = await checkSlt('--json', '--junit', junit);
    expect(run.stderr).toContain('2 sentences × 1 voices');
    // The table is the progress on stderr, a row per utterance as it is measured.
    expect(run.stderr.match(/^✓ {2}flite slt/gm)).toHaveLength(2);
    expect(run.stderr).toContain('2 passed, 0 failed');
    expect(run.code).toBe(0);

    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.passed).toBe(true);
    expect(report.utterances).toHaveLength(2);
    for (const { measures, violations } of report.utterances) {
      expect(violations).toEqual([]);
      expect(measures.sampleRate).toBe(16000);
      // Flite's own phone timings and the aligner's agree to about a video frame.
      expect(measures.lipSync?.meanMs).toBeLessThanOrEqual(40);
      expect(measures.lipSync?.matchedPhones).toBeGreaterThan(15);
      expect(measures.loudnessLufs).toBeGreaterThan(-23);
      expect(measures.loudnessLufs).toBeLessThan(-13);
      expect(measures.clippedPercent).toBe(0);
      expect(measures.leadingSilenceMs).toBeLessThan(300);
    }
    expect(report.voices).toEqual([
      expect.objectContaining({ voice: 'flite slt', utterances: 2, failed: 0 }),
    ]);

    const xml = await readFile(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const suites = parser.parse(xml).testsuites;
    expect(suites).toMatchObject({ tests: '2', failures: '0' });
    expect(suites.testsuite.name).toBe('flite slt');
    expect(suites.testsuite.testcase).toHaveLength(2);
  });

  it('fails, names the measure and exits 1 when a threshold is set beyond the voice', async () => {
    const junit = path.join(dir, 'fail.xml');
    const run = await checkSlt('--max-offset', '1', '--junit', junit);
    expect(run.stdout.match(/^✗ {2}flite slt/gm)).toHaveLength(2);
    expect(run.stdout).toMatch(/^ {5}lip-sync offset \d+(\.\d)? ms mean > 1 ms$/m);
    expect(run.stdout).toContain('0 passed, 2 failed');
    expect(run.stdout).toMatch(/\| flite slt \| 2 \| 2 \|/);
    expect(run.code).toBe(1);
    const suites = parser.parse(await readFile(junit, 'utf8')).testsuites;
    expect(suites).toMatchObject({ tests: '2', failures: '2' });
    expect(suites.testsuite.testcase[0].failure.message).toMatch(/^lip-sync offset .* ms mean > 1 ms$/);
  });

  it('says what is wrong with its input', async () => {
    const badNumber = await runVisemo(['check', '--max-offset', 'soon']);
    expect(badNumber.stderr).toContain('--max-offset takes a number, got "soon"');
    expect(badNumber.code).toBe(2);
    const badVoice = await runVisemo(['check', '--voices', 'slt,hal']);
    expect(badVoice.stderr).toContain('--voices takes slt, rms, awb, kal, en-US, en-GB; got "slt,hal"');
    expect(badVoice.code).toBe(2);
    const missing = await runVisemo(['check', '--sentences', path.join(dir, 'none.txt')]);
    expect(missing.stderr).toContain('cannot read');
    expect(missing.code).toBe(1);
    const empty = path.join(dir, 'empty.txt');
    await writeFile(empty, '# nothing\n\n');
    const none = await runVisemo(['check', '--sentences', empty]);
    expect(none.stderr).toContain('has no sentences');
    expect(none.code).toBe(1);
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runVisemo } from './support/run-visemo.js';

const dir = mkdtempSync(join(tmpdir(), 'visemo-cost-command-'));
const usage = join(repoRoot, 'docs/bench-usage.json');
const prices = join(repoRoot, 'deploy/prices.example.yaml');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('visemo cost', () => {
  it('forecasts the month and the peak as JSON and draws the picture', async () => {
    const svg = join(dir, 'cost.svg');
    const args = ['cost', '--prices', prices, '--usage', usage, '--peak-concurrent', '40', '--json'];
    const run = await runVisemo([...args, '--sessions-per-day', '500', '--svg', svg]);
    expect(run.stderr).toContain(`picture written to ${svg}`);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.cost.lines.map((l: { line: string }) => l.line)).toEqual([
      'compute',
      'memory',
      'storage',
      'egress',
    ]);
    expect(report.capacity.replicas).toBe(Math.ceil(40 / report.capacity.sessionsPerReplica));
    expect(report.headroom.join(' ')).toMatch(/Target utilisation 60 %/);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(picture).toContain('Cost per month (USD)');
    expect(picture).toContain('peak 40:');

    const twice = JSON.parse((await runVisemo([...args, '--sessions-per-day', '1000'])).stdout);
    expect(twice.cost.lines[0].variable).toBeCloseTo(2 * report.cost.lines[0].variable, 9);
  });

  it('names the line of a bad price and the command that measures missing usage', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(prices, 'utf8').replace('vcpuHour: 0.04', 'vcpuHour: "4 cents"'));
    const badPrices = await runVisemo(['cost', '--prices', bad, '--usage', usage]);
    expect(badPrices.code).toBe(1);
    expect(badPrices.stderr).toMatch(new RegExp(`${bad}:\\d+:3 compute\\.vcpuHour: expected number`));

    const noUsage = await runVisemo(['cost', '--prices', prices, '--usage', join(dir, 'none.json')]);
    expect(noUsage.code).toBe(1);
    expect(noUsage.stderr).toContain('`npm run bench -- --only sessions` writes bench-usage.json');
  });

  it("prices an agent's paid providers and asks for what no usage measured", async () => {
    const agent = join(dir, 'agent');
    cpSync(join(repoRoot, 'examples/support-agent'), agent, { recursive: true });
    writeFileSync(
      join(agent, 'agent.yaml'),
      `${readFileSync(join(agent, 'agent.yaml'), 'utf8')}\nproviders:\n  llm:\n    - type: openai-compatible\n      model: gpt-4o-mini\n  tts:\n    - type: elevenlabs\n`,
    );
    const base = ['cost', '--prices', prices, '--usage', usage, '--agent', agent];
    const unmeasured = await runVisemo(base);
    expect(unmeasured.code).toBe(2);
    expect(unmeasured.stderr).toContain('give --llm-tokens IN,OUT');

    const run = await runVisemo([...base, '--llm-tokens', '1000,50', '--llm-share', '0.5']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/llm: openai-compatible gpt-4o-mini\s+\S+\s+M tokens/);
    expect(run.stdout).toMatch(/tts: elevenlabs\s+\S+\s+M chars\s+180/);
    expect(run.stdout).toContain('1000 input and 50 output tokens on 50 % of turns');
  });
});

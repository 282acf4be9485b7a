import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

export interface VisemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `visemo` command through its bin script, as a script would, with `stdin` as its input. */
export function runVisemo(
  args: string[],
  stdin = '',
  env: NodeJS.ProcessEnv = process.env,
): Promise<VisemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', 'apps/cli/bin/visemo.js', ...args],
      { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './run-visemo.js';

export interface ServeProcess {
  child: ChildProcess;
  /** The address it printed when ready, e.g. `https://127.0.0.1:40123`. */
  url: string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `visemo serve` as a child process, by default from the TypeScript sources through the bin
 * script, or with `command` (the built JavaScript), and resolves once it says it is ready.
 */
export function startServe(
  args: string[],
  options: { command?: string[]; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const command = options.command ?? ['--disable-warning=ExperimentalWarning', 'apps/cli/bin/visemo.js'];
  // A data directory of its own: the embedded database belongs to one process.
  const dataDir = mkdtempSync(join(tmpdir(), 'visemo-serve-data-'));
  const child = spawn(
    process.execPath,
    [...command, 'serve', '--port', '0', '--data-dir', dataDir, ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`visemo serve was not ready in time:\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const ready = / is ready in \d+ ms: (https?:\/\/[^/\s]+)\//.exec(stderr);
      if (!ready?.[1]) return;
      clearTimeout(timer);
      resolve({
        child,
        url: ready[1].replace('localhost', '127.0.0.1'),
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`visemo serve exited (${code}) before it was ready:\n${stderr}`));
    });
  });
}

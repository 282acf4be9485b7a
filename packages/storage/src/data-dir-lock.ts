import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ErrorCode, VisemoError } from '@visemo/core';

/**
 * One process at a time on an embedded database: two PGlite instances on one directory each keep
 * their own buffers and overwrite each other's pages. The lock file holds the owner's pid; a lock
 * whose process is gone is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(path: string): DataDirLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new VisemoError(
          ErrorCode.StorageMisconfigured,
          `the embedded database is already open in process ${owner} (lock ${path}): one process at a time; ` +
            'give several processes a PostgreSQL server (DATABASE_URL)',
        );
      }
      rmSync(path, { force: true });
    }
    throw new VisemoError(ErrorCode.StorageMisconfigured, `could not take the lock ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import type { AgentRuntime } from '@visemo/server';
import type { Storage } from '@visemo/storage';
import { openConfiguredStorage, storageLocation } from './storage-config.js';

/**
 * The storage of `visemo serve`: opened for the agent (its retention), with the retention job
 * running hourly. `close` stops the job and closes the database, after the server has closed.
 */
export async function openServeStorage(
  runtime: AgentRuntime,
  dataDir: string | undefined,
  say: (line: string) => void,
): Promise<{ storage: Storage; close(): Promise<void> }> {
  const config = {
    ...(dataDir ? { dataDir } : {}),
    ...(runtime.agent ? { agents: { [runtime.agent.id]: runtime.agent.privacy } } : {}),
  };
  say(`… opening ${storageLocation(config)}`);
  const storage = await openConfiguredStorage(config);
  const job = storage.startRetentionJob({
    onReport: (report) => {
      if (report.total > 0) say(`retention: purged ${report.total} row(s) past their retention`);
    },
    onError: (error) => say(`warning: the retention job failed: ${(error as Error).message}`),
  });
  return {
    storage,
    close: async () => {
      await job.stop();
      await storage.close();
    },
  };
}

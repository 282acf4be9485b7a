import type { AgentPrivacy } from '@visemo/core';
import { openStorage, type PurgeReport, type Storage } from '@visemo/storage';

export interface StorageConfig {
  /** The embedded database's directory (default ./data); ignored when DATABASE_URL is set. */
  dataDir?: string;
  /** A PostgreSQL server, instead of DATABASE_URL. */
  databaseUrl?: string;
  /** Each agent's privacy section, by agent id: their retention applies to their data. */
  agents?: Record<string, AgentPrivacy>;
}

/**
 * The storage `visemo serve` and `visemo data` share: PostgreSQL at DATABASE_URL, else PGlite in the
 * data directory; master key from VISEMO_MASTER_KEY (docs/storage.md). Warnings go to stderr.
 */
export async function openConfiguredStorage(config: StorageConfig = {}): Promise<Storage> {
  const agents = Object.fromEntries(
    Object.entries(config.agents ?? {}).map(([id, privacy]) => [id, privacy.retention]),
  );
  const storage = await openStorage({
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    retention: { agents },
  });
  for (const warning of storage.warnings) process.stderr.write(`warning: ${warning}\n`);
  return storage;
}

/** Where the data is, for a line of progress. */
export function storageLocation(config: StorageConfig): string {
  const url = config.databaseUrl ?? process.env.DATABASE_URL?.trim();
  if (url) {
    const { host, pathname } = new URL(url);
    return `PostgreSQL at ${host}${pathname}`;
  }
  return `the embedded database in ${config.dataDir ?? './data'}`;
}

const PURGE_COLUMNS = [
  ['agent', null],
  ['abandoned sessions', 'abandonedSessions'],
  ['transcripts', 'transcripts'],
  ['audio', 'audio'],
  ['memory', 'memory'],
  ['sessions', 'sessions'],
  ['aggregates', 'aggregates'],
] as const;

/** A purge report as a table: rows purged per agent and category, then the audit log and total. */
export function purgeTable(report: PurgeReport): string {
  const rows: string[][] = [PURGE_COLUMNS.map(([title]) => title)];
  for (const [agent, purged] of Object.entries(report.agents)) {
    rows.push(PURGE_COLUMNS.map(([, field]) => (field === null ? agent : String(purged[field]))));
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  const lines = rows.map(line);
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  if (rows.length === 1) lines.push('(no agents have stored data)');
  lines.push('', `audit log entries past retention: ${report.audit}`, `total rows purged: ${report.total}`);
  return lines.join('\n');
}

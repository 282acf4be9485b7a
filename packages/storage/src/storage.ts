import { join, resolve } from 'node:path';
import { ErrorCode, VisemoError } from '@visemo/core';
import { AudioStore } from './audio.js';
import { AuditLog } from './audit-log.js';
import { ConsentLedger } from './consent.js';
import { type MasterKeyRing, type MasterKeySource, resolveMasterKeys } from './crypto/master-keys.js';
import { Pseudonyms } from './crypto/pseudonyms.js';
import { SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database } from './database.js';
import { type ErasureOptions, type ErasureReport, eraseSubject } from './erasure.js';
import { MemoryStore } from './memory.js';
import { type MigrationReport, migrate } from './migrations.js';
import { ModelRegistry } from './model-registry.js';
import type { Actor } from './records.js';
import {
  type PurgeReport,
  purgeExpired,
  type RetentionJob,
  type RetentionJobOptions,
  startRetentionJob,
} from './retention.js';
import {
  type RetentionConfig,
  type RetentionConfigInput,
  RetentionConfigSchema,
} from './retention-policy.js';
import { SessionStore } from './sessions.js';
import { type ExportOptions, exportSubject, type SubjectExport } from './subject-export.js';
import { SubjectStore } from './subjects.js';
import { TelemetryStore } from './telemetry.js';
import { TranscriptReview } from './transcript-review.js';

export interface StorageOptions {
  /** A PostgreSQL server (`postgres://…`); default `DATABASE_URL`. Without one: embedded PGlite. */
  databaseUrl?: string;
  /** The embedded database's directory (default `./data`), or `memory://` for a throw-away one. */
  dataDir?: string;
  /** Master keys, base64, current first, comma-separated; default `VISEMO_MASTER_KEY`. */
  masterKey?: string;
  /** PostgreSQL only: the schema for the tables (created when missing). */
  schema?: string;
  /** PostgreSQL only: pooled connections, default 10. */
  poolSize?: number;
  /** Retention per agent; defaults from `RetentionPolicySchema`. */
  retention?: RetentionConfigInput;
  /** Unwrapped subject keys kept in memory, default 10 000 (32 bytes each). */
  keyCacheSize?: number;
  /** Default `process.env`: where DATABASE_URL and VISEMO_MASTER_KEY are read. */
  env?: NodeJS.ProcessEnv;
  /** Default the system clock; every stored time comes from it. */
  clock?: () => Date;
  /** Errors of idle pooled connections. */
  onError?: (error: Error) => void;
}

/**
 * Visemo's data layer: subjects, sessions and turns, consent, audio, memory, telemetry and the
 * audit log, on one schema for embedded PGlite and PostgreSQL. Open it with `openStorage`.
 */
export class Storage {
  readonly subjects: SubjectStore;
  readonly sessions: SessionStore;
  readonly consent: ConsentLedger;
  readonly audio: AudioStore;
  readonly memory: MemoryStore;
  readonly audit: AuditLog;
  readonly telemetry: TelemetryStore;
  /** Model artifacts, their versions and promotions. */
  readonly models: ModelRegistry;
  /** The turns the NLU missed, of subjects who consented to transcripts, for curation. */
  readonly review: TranscriptReview;
  private readonly jobs = new Set<RetentionJob>();

  constructor(
    readonly database: Database,
    private readonly ring: MasterKeyRing,
    private readonly keys: SubjectKeyStore,
    private readonly pseudonyms: Pseudonyms,
    readonly retention: RetentionConfig,
    private readonly clock: () => Date,
    /** Things an operator must read at start-up, e.g. that a development master key is in use. */
    readonly warnings: readonly string[],
    readonly migration: MigrationReport,
  ) {
    this.audit = new AuditLog(database, pseudonyms, clock);
    this.subjects = new SubjectStore(database, keys, pseudonyms, clock);
    this.sessions = new SessionStore(database, keys, pseudonyms, this.audit, clock);
    this.consent = new ConsentLedger(database, clock);
    this.audio = new AudioStore(database, keys, this.audit, clock);
    this.memory = new MemoryStore(database, keys, this.audit, clock);
    this.telemetry = new TelemetryStore(database);
    this.models = new ModelRegistry(database, this.audit, clock);
    this.review = new TranscriptReview(database, keys);
  }

  /** The subject's pseudonym as telemetry and the audit log store it. */
  pseudonymOf(subjectId: string): string {
    return this.pseudonyms.subject(subjectId);
  }

  /** GDPR Art. 17: see `ErasureReport` and docs/storage.md for what remains where. */
  eraseSubject(subjectId: string, options: ErasureOptions): Promise<ErasureReport> {
    return eraseSubject(
      this.database,
      this.keys,
      this.pseudonyms,
      this.audit,
      this.clock,
      subjectId,
      options,
    );
  }

  /** GDPR Art. 15/20: everything stored about the subject, decrypted. `UnknownSubject` if none. */
  exportSubject(subjectId: string, options: ExportOptions): Promise<SubjectExport> {
    return exportSubject(
      {
        db: this.database,
        subjects: this.subjects,
        sessions: this.sessions,
        consent: this.consent,
        audio: this.audio,
        memory: this.memory,
        audit: this.audit,
        pseudonyms: this.pseudonyms,
        clock: this.clock,
      },
      subjectId,
      options,
    );
  }

  /** Deletes what has outlived its retention as of `now`. */
  purgeExpired(now: Date = this.clock(), retention: RetentionConfig = this.retention): Promise<PurgeReport> {
    return purgeExpired(this.database, this.audit, retention, now);
  }

  /** Purges every `intervalMs` (default one hour) until stopped or the storage is closed. */
  startRetentionJob(options: RetentionJobOptions = {}): RetentionJob {
    const job = startRetentionJob(() => this.purgeExpired(), options);
    this.jobs.add(job);
    return {
      runNow: () => job.runNow(),
      stop: async () => {
        this.jobs.delete(job);
        await job.stop();
      },
    };
  }

  /**
   * Rewraps every data key and secret under the current (first) master key, so the older keys can
   * be removed from VISEMO_MASTER_KEY and destroyed.
   */
  async rotateMasterKey(options: { actor: Actor }): Promise<{ subjectKeys: number; secrets: number }> {
    const result = await this.database.transaction(async (tx) => {
      const counts = {
        subjectKeys: await this.keys.rewrap(tx),
        secrets: await Pseudonyms.rewrap(tx, this.ring),
      };
      await this.audit.record(
        {
          actor: options.actor,
          action: 'keys.rotate',
          details: { ...counts, masterKey: this.ring.current.id },
        },
        tx,
      );
      return counts;
    });
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([...this.jobs].map((job) => job.stop()));
    await this.database.close();
  }
}

const IN_MEMORY = 'memory://';

/**
 * Opens the storage the configuration names: PostgreSQL when a database URL is given (then a
 * master key is required), else embedded PGlite in `dataDir` (with a generated development key
 * when none is configured, announced in `warnings`). Migrates the schema before returning.
 */
export async function openStorage(options: StorageOptions = {}): Promise<Storage> {
  const env = options.env ?? process.env;
  const databaseUrl = options.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined);
  const dataDir = options.dataDir ?? './data';
  const inMemory = !databaseUrl && dataDir === IN_MEMORY;
  const retention = RetentionConfigSchema.parse(options.retention ?? {});
  const clock = options.clock ?? (() => new Date());
  if (!databaseUrl && !inMemory) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  // Keys first: a misconfiguration fails before anything connects or is created.
  const keySource: MasterKeySource = resolveMasterKeys({
    ...(options.masterKey ? { masterKey: options.masterKey } : {}),
    env,
    ...(!databaseUrl && !inMemory ? { keyFile: resolve(dataDir, 'master.key') } : {}),
    requireConfigured: Boolean(databaseUrl),
  });
  const database = await openDatabase(databaseUrl, inMemory ? undefined : join(dataDir, 'pglite'), options);
  try {
    const migration = await migrate(database);
    await checkKeysAvailable(database, keySource.ring);
    const pseudonyms = await Pseudonyms.load(database, keySource.ring, clock());
    const keys = new SubjectKeyStore(keySource.ring, options.keyCacheSize);
    const warnings = keySource.warning ? [keySource.warning] : [];
    return new Storage(database, keySource.ring, keys, pseudonyms, retention, clock, warnings, migration);
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function openDatabase(
  databaseUrl: string | undefined,
  pgliteDir: string | undefined,
  options: StorageOptions,
): Promise<Database> {
  if (databaseUrl) {
    const { PostgresDatabase } = await import('./postgres-database.js');
    return PostgresDatabase.open({
      connectionString: databaseUrl,
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  const { PgliteDatabase } = await import('./pglite-database.js');
  return PgliteDatabase.open(pgliteDir);
}

/** Refuses to start when stored keys are wrapped by a master key that is not configured. */
async function checkKeysAvailable(db: Database, ring: MasterKeyRing): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT DISTINCT master_key_id AS id FROM subject_keys UNION SELECT master_key_id FROM storage_secrets',
  );
  const missing = rows.map((r) => r.id).filter((id) => !ring.ids.includes(id));
  if (missing.length > 0) {
    throw new VisemoError(
      ErrorCode.StorageKeyUnavailable,
      `stored keys are wrapped by master key(s) ${missing.join(', ')}, which are not configured ` +
        `(configured: ${ring.ids.join(', ')}): set VISEMO_MASTER_KEY to include them`,
    );
  }
}

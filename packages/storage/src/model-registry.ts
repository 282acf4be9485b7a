import { ErrorCode, MODEL_KINDS, type ModelKind, VisemoError } from '@visemo/core';
import type { AuditLog } from './audit-log.js';
import type { Database, Queryable } from './database.js';
import type { Actor } from './records.js';

/** A JSON value as the registry stores it. */
export type RegistryJson =
  | string
  | number
  | boolean
  | null
  | RegistryJson[]
  | { [key: string]: RegistryJson };

export interface ModelArtifactInput {
  agent: string;
  kind: ModelKind;
  name: string;
  /** `sha256:<hex>` of what makes the artifact (see docs/operations.md). */
  contentHash: string;
  artifact?: Record<string, RegistryJson>;
  metadata?: Record<string, RegistryJson>;
  eval?: Record<string, RegistryJson>;
  actor: Actor;
}

export interface ModelVersion {
  agent: string;
  kind: ModelKind;
  version: number;
  name: string;
  contentHash: string;
  artifact: Record<string, RegistryJson>;
  metadata: Record<string, RegistryJson>;
  eval: Record<string, RegistryJson>;
  registeredBy: string;
  registeredAt: Date;
}

export interface ModelPromotion {
  id: number;
  agent: string;
  kind: ModelKind;
  version: number;
  action: 'promote' | 'rollback';
  actor: string;
  reason: string | null;
  at: Date;
}

/** What `register` did: the artifact's version, and whether this call created it. */
export interface Registration {
  version: ModelVersion;
  created: boolean;
}

interface VersionRow {
  agent: string;
  kind: ModelKind;
  version: number;
  name: string;
  content_hash: string;
  artifact: Record<string, RegistryJson>;
  metadata: Record<string, RegistryJson>;
  eval: Record<string, RegistryJson>;
  registered_by: string;
  registered_at: Date;
}

interface PromotionRow {
  id: string | number;
  agent: string;
  kind: ModelKind;
  version: number;
  action: 'promote' | 'rollback';
  actor: string;
  reason: string | null;
  at: Date;
}

const VERSION_COLUMNS =
  'agent, kind, version, name, content_hash, artifact, metadata, eval, registered_by, registered_at';
const HASH = /^sha256:[0-9a-f]{64}$/;
// Two servers starting at once register the same artifact: one at a time per registry.
const REGISTRY_LOCK = 0x6d6f_6465;

/**
 * The model registry: each model artifact of an agent (kind `nlu`, `grammar`, `voice`, `llm`,
 * `asr`, `tts`) by content hash, numbered 1, 2, 3 … per agent and kind, with who registered it,
 * when, and its evaluation scores; and the promotions that say which version new sessions run.
 * Promotions are an append-only history: `promote` pushes a version, `rollback` goes back to the
 * one promoted before it. Every promotion and rollback is in the audit log.
 */
export class ModelRegistry {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

  /** Registers an artifact, or finds it when its content was registered before. */
  async register(input: ModelArtifactInput): Promise<Registration> {
    checkKind(input.kind);
    if (!HASH.test(input.contentHash)) throw new TypeError(`not a sha256:<hex> hash: ${input.contentHash}`);
    return this.db.transaction(async (tx) => {
      if (this.db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK]);
      const existing = await tx.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE agent = $1 AND kind = $2 AND content_hash = $3`,
        [input.agent, input.kind, input.contentHash],
      );
      if (existing.rows[0]) return { version: toVersion(existing.rows[0]), created: false };
      const { rows } = await tx.query<VersionRow>(
        `INSERT INTO model_versions (${VERSION_COLUMNS})
         SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9
           FROM model_versions WHERE agent = $1 AND kind = $2
         RETURNING ${VERSION_COLUMNS}`,
        [
          input.agent,
          input.kind,
          input.name,
          input.contentHash,
          JSON.stringify(input.artifact ?? {}),
          JSON.stringify(input.metadata ?? {}),
          JSON.stringify(input.eval ?? {}),
          input.actor,
          this.clock().toISOString(),
        ],
      );
      const version = toVersion(rows[0] as VersionRow);
      await this.audit.record(
        {
          actor: input.actor,
          action: 'model.register',
          details: {
            agent: input.agent,
            kind: input.kind,
            version: version.version,
            hash: input.contentHash,
          },
        },
        tx,
      );
      return { version, created: true };
    });
  }

  /** Versions, newest first; of one agent, and of one kind, when given. */
  async list(query: { agent?: string; kind?: ModelKind } = {}): Promise<ModelVersion[]> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions
        WHERE ($1::text IS NULL OR agent = $1) AND ($2::text IS NULL OR kind = $2)
        ORDER BY agent, kind, version DESC`,
      [query.agent ?? null, query.kind ?? null],
    );
    return rows.map(toVersion);
  }

  async get(agent: string, kind: ModelKind, version: number): Promise<ModelVersion | null> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE agent = $1 AND kind = $2 AND version = $3`,
      [agent, kind, version],
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  /** The promotion history of an agent's kind (or all its kinds), oldest first. */
  async history(agent: string, kind?: ModelKind, db: Queryable = this.db): Promise<ModelPromotion[]> {
    const { rows } = await db.query<PromotionRow>(
      `SELECT id, agent, kind, version, action, actor, reason, at FROM model_promotions
        WHERE agent = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
      [agent, kind ?? null],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** The version promoted now for each kind of the agent that has one. */
  async promoted(agent: string): Promise<Partial<Record<ModelKind, number>>> {
    const history = await this.history(agent);
    const out: Partial<Record<ModelKind, number>> = {};
    for (const kind of MODEL_KINDS) {
      const stack = promotionStack(history.filter((p) => p.kind === kind));
      const top = stack.at(-1);
      if (top !== undefined) out[kind] = top;
    }
    return out;
  }

  /** Makes `version` the one new sessions of the agent run. */
  async promote(input: {
    agent: string;
    kind: ModelKind;
    version: number;
    actor: Actor;
    reason?: string;
  }): Promise<ModelPromotion> {
    checkKind(input.kind);
    return this.db.transaction(async (tx) => {
      await this.lockSlot(tx, input.agent, input.kind);
      const { rows } = await tx.query<{ version: number }>(
        'SELECT version FROM model_versions WHERE agent = $1 AND kind = $2 AND version = $3',
        [input.agent, input.kind, input.version],
      );
      if (!rows[0]) {
        throw new VisemoError(
          ErrorCode.UnknownModelVersion,
          `${input.agent} has no ${input.kind} version ${input.version}`,
        );
      }
      const from = promotionStack(await this.history(input.agent, input.kind, tx)).at(-1) ?? null;
      return this.append(tx, { ...input, action: 'promote', from });
    });
  }

  /** Returns the agent's kind to the version promoted before the current one. */
  async rollback(input: {
    agent: string;
    kind: ModelKind;
    actor: Actor;
    reason?: string;
  }): Promise<ModelPromotion> {
    checkKind(input.kind);
    return this.db.transaction(async (tx) => {
      await this.lockSlot(tx, input.agent, input.kind);
      const stack = promotionStack(await this.history(input.agent, input.kind, tx));
      const from = stack.at(-1);
      const to = stack.at(-2);
      if (from === undefined || to === undefined) {
        throw new VisemoError(
          ErrorCode.UnknownModelVersion,
          `${input.agent} has no earlier ${input.kind} promotion to roll back to`,
        );
      }
      return this.append(tx, { ...input, version: to, action: 'rollback', from });
    });
  }

  private async append(
    tx: Queryable,
    entry: {
      agent: string;
      kind: ModelKind;
      version: number;
      action: 'promote' | 'rollback';
      actor: Actor;
      reason?: string;
      from: number | null;
    },
  ): Promise<ModelPromotion> {
    const { rows } = await tx.query<PromotionRow>(
      `INSERT INTO model_promotions (agent, kind, version, action, actor, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, agent, kind, version, action, actor, reason, at`,
      [
        entry.agent,
        entry.kind,
        entry.version,
        entry.action,
        entry.actor,
        entry.reason ?? null,
        this.clock().toISOString(),
      ],
    );
    await this.audit.record(
      {
        actor: entry.actor,
        action: `model.${entry.action}`,
        details: { agent: entry.agent, kind: entry.kind, version: entry.version, from: entry.from },
      },
      tx,
    );
    const row = rows[0] as PromotionRow;
    return { ...row, id: Number(row.id) };
  }

  /** One promotion of a slot at a time, so a rollback reads the history it changes. */
  private async lockSlot(tx: Queryable, agent: string, kind: ModelKind): Promise<void> {
    if (this.db.kind !== 'postgres') return;
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REGISTRY_LOCK, `${agent}/${kind}`]);
  }
}

/** The versions in effect, bottom to top, after replaying a slot's promotions in order. */
export function promotionStack(history: readonly Pick<ModelPromotion, 'action' | 'version'>[]): number[] {
  const stack: number[] = [];
  for (const entry of history) {
    if (entry.action === 'promote') {
      if (stack.at(-1) !== entry.version) stack.push(entry.version);
    } else {
      stack.pop();
      // A rollback names where it went: the stack agrees with it unless history was edited.
      if (stack.at(-1) !== entry.version) stack.push(entry.version);
    }
  }
  return stack;
}

function checkKind(kind: string): asserts kind is ModelKind {
  if (!(MODEL_KINDS as readonly string[]).includes(kind))
    throw new TypeError(`kind must be one of ${MODEL_KINDS.join(', ')}: ${kind}`);
}

function toVersion(row: VersionRow): ModelVersion {
  return {
    agent: row.agent,
    kind: row.kind,
    version: row.version,
    name: row.name,
    contentHash: row.content_hash,
    artifact: row.artifact,
    metadata: row.metadata,
    eval: row.eval,
    registeredBy: row.registered_by,
    registeredAt: row.registered_at,
  };
}

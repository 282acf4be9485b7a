import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { ErrorCode, MODEL_KINDS, type ModelKind, VisemoError } from '@visemo/core';
import type { ModelPromotion, ModelVersion } from '@visemo/storage';
import { parseCommandArgs, UsageError } from '../args.js';
import { openConfiguredStorage } from '../storage-config.js';

const HELP = `visemo models list    (--agent DIR | --server URL) [--data-dir DIR] [--json]
visemo models promote KIND VERSION (--agent DIR | --server URL) [--reason TEXT] [--actor NAME]
visemo models rollback KIND        (--agent DIR | --server URL) [--reason TEXT] [--actor NAME]

The model registry: every NLU model, speech grammar, voice and provider model an agent ran with,
by content hash and version. KIND is one of ${MODEL_KINDS.join(', ')}.
  --server URL   a running server: through its admin routes (VISEMO_ADMIN_KEY), so a promotion
                 or rollback applies to its next session at once
  --agent DIR    the agent folder (its name is the agent's id): straight in the storage, as
                 DATABASE_URL or --data-dir name it; a running server on PostgreSQL picks the
                 change up within seconds (an embedded database is one process's: use --server)
  --data-dir DIR the embedded database's directory (default ./data)
  --actor NAME   who does it, for the audit log (default your user name)
  --reason TEXT  why, kept with the promotion`;

export async function modelsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      agent: { type: 'string' },
      server: { type: 'string' },
      'data-dir': { type: 'string' },
      actor: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [action, kindArg, versionArg] = positionals;
  if (action !== 'list' && action !== 'promote' && action !== 'rollback')
    throw new UsageError('say list, promote or rollback');
  if (Boolean(values.agent) === Boolean(values.server))
    throw new UsageError('give --agent DIR or --server URL');
  const kind = action === 'list' ? null : parseKind(kindArg);
  const version = action === 'promote' ? parseVersion(versionArg) : null;
  const actorName = values.actor ?? userInfo().username;
  if (!/^[A-Za-z0-9_.@-]{1,60}$/.test(actorName))
    throw new UsageError('--actor must be a name without spaces');
  const registry = values.server
    ? serverRegistry(values.server)
    : await storageRegistry(
        basename(resolve(values.agent as string)),
        values['data-dir'],
        `cli:${actorName}`,
      );
  try {
    if (action === 'list') {
      const { versions, history, running } = await registry.list();
      if (values.json) process.stdout.write(`${JSON.stringify({ versions, history, running }, null, 2)}\n`);
      else process.stdout.write(formatListing(versions, history, running));
      return 0;
    }
    const promotion =
      action === 'promote'
        ? await registry.promote(kind as ModelKind, version as number, actorName, values.reason)
        : await registry.rollback(kind as ModelKind, actorName, values.reason);
    process.stdout.write(
      `${promotion.agent} ${promotion.kind}: version ${promotion.version} is ${action === 'promote' ? 'promoted' : 'back'} (by ${promotion.actor})\n`,
    );
    return 0;
  } finally {
    await registry.close();
  }
}

interface RegistryClient {
  list(): Promise<{
    versions: ModelVersion[];
    history: ModelPromotion[];
    running?: Record<string, { version: number }>;
  }>;
  promote(kind: ModelKind, version: number, actor: string, reason?: string): Promise<ModelPromotion>;
  rollback(kind: ModelKind, actor: string, reason?: string): Promise<ModelPromotion>;
  close(): Promise<void>;
}

function serverRegistry(server: string): RegistryClient {
  const key = process.env.VISEMO_ADMIN_KEY;
  if (!key) throw new UsageError('set VISEMO_ADMIN_KEY to the server’s admin key');
  const call = async <T>(path: string, body?: object): Promise<T> => {
    const answer = await fetch(new URL(path, server), {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await answer.json()) as T & { message?: string; code?: ErrorCode };
    if (!answer.ok) {
      const message = `the server answered ${answer.status}: ${json.message ?? answer.statusText}`;
      throw new VisemoError(json.code ?? ErrorCode.Internal, message);
    }
    return json;
  };
  const reasonOf = (reason?: string) => (reason ? { reason } : {});
  return {
    list: () => call('/v1/admin/models'),
    promote: async (kind, version, actor, reason) =>
      (
        await call<{ promotion: ModelPromotion }>('/v1/admin/models/promote', {
          kind,
          version,
          actor,
          ...reasonOf(reason),
        })
      ).promotion,
    rollback: async (kind, actor, reason) =>
      (
        await call<{ promotion: ModelPromotion }>('/v1/admin/models/rollback', {
          kind,
          actor,
          ...reasonOf(reason),
        })
      ).promotion,
    close: async () => {},
  };
}

async function storageRegistry(
  agent: string,
  dataDir: string | undefined,
  actor: string,
): Promise<RegistryClient> {
  const storage = await openConfiguredStorage(dataDir ? { dataDir } : {});
  const { models } = storage;
  const reasonOf = (reason?: string) => (reason ? { reason } : {});
  return {
    list: async () => ({ versions: await models.list({ agent }), history: await models.history(agent) }),
    promote: (kind, version, _actor, reason) =>
      models.promote({ agent, kind, version, actor, ...reasonOf(reason) }),
    rollback: (kind, _actor, reason) => models.rollback({ agent, kind, actor, ...reasonOf(reason) }),
    close: () => storage.close(),
  };
}

function parseKind(value: string | undefined): ModelKind {
  if (!value || !(MODEL_KINDS as readonly string[]).includes(value))
    throw new UsageError(`KIND must be one of ${MODEL_KINDS.join(', ')}`);
  return value as ModelKind;
}

function parseVersion(value: string | undefined): number {
  const version = Number(value);
  if (!value || !Number.isInteger(version) || version < 1)
    throw new UsageError('VERSION must be a whole number ≥ 1');
  return version;
}

/** One block per kind: its versions newest first, the promoted one marked. */
function formatListing(
  versions: ModelVersion[],
  history: ModelPromotion[],
  running?: Record<string, { version: number }>,
): string {
  if (versions.length === 0) return 'no model versions are registered\n';
  const lines: string[] = [];
  for (const kind of MODEL_KINDS) {
    const own = versions.filter((v) => v.kind === kind);
    if (own.length === 0) continue;
    const last = history.filter((p) => p.kind === kind).at(-1);
    lines.push(
      `${own[0]?.agent} ${kind}${running?.[kind] ? ` (new sessions run version ${running[kind].version})` : ''}`,
    );
    for (const v of own) {
      const mark = last?.version === v.version ? '*' : ' ';
      const scores = Object.entries(v.eval)
        .map(
          ([name, score]) =>
            `${name} ${typeof score === 'number' && !Number.isInteger(score) ? score.toFixed(3) : String(score)}`,
        )
        .join(', ');
      const when = new Date(v.registeredAt).toISOString().slice(0, 16).replace('T', ' ');
      lines.push(
        ` ${mark} v${v.version}  ${v.name.padEnd(28)} ${v.contentHash.slice(0, 19)}…  ${when}  ${v.registeredBy}${scores ? `  ${scores}` : ''}`,
      );
    }
    if (last)
      lines.push(
        `   last: ${last.action} to v${last.version} by ${last.actor}${last.reason ? ` (${last.reason})` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

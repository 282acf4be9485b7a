import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/**
 * `sha256:<hex>` of an artifact: what makes it (training data or configuration, as canonical
 * JSON, with the code version inside), then the model's bytes when it has any.
 */
export function contentHash(made: unknown, bytes?: Uint8Array): string {
  const hash = createHash('sha256').update(canonicalJson(made));
  if (bytes) hash.update(bytes);
  return `sha256:${hash.digest('hex')}`;
}

const versions = new Map<string, string>();

/**
 * The code version of a workspace package: its package.json version and a digest of its source
 * files, so a change to the code that trains or builds an artifact gives the artifact a new hash
 * even when nobody bumped the version. Read once per process.
 */
export function codeVersion(packageName: string): string {
  const known = versions.get(packageName);
  if (known) return known;
  const entry = createRequire(import.meta.url).resolve(packageName);
  const root = dirname(dirname(entry));
  // The TypeScript sources where they are (a checkout), else the built files the entry is in: the
  // same sources give the same version whether they run through tsx or as compiled JavaScript.
  const srcDir = existsSync(join(root, 'src')) ? join(root, 'src') : dirname(entry);
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version?: string;
  };
  const digest = createHash('sha256');
  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js|mjs)$/.test(file) && !file.endsWith('.d.ts'))
    .sort();
  for (const file of files)
    digest
      .update(file)
      .update('\u0000')
      .update(readFileSync(join(srcDir, file)));
  const version = `${packageJson.version ?? '0.0.0'}+${digest.digest('hex').slice(0, 12)}`;
  versions.set(packageName, version);
  return version;
}

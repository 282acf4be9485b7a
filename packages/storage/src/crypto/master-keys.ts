import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { ErrorCode, VisemoError } from '@visemo/core';

export interface MasterKey {
  /** Derived from the key itself, stored beside everything it wraps: names the key without revealing it. */
  id: string;
  key: Buffer;
}

/** The configured master keys: the first wraps new keys, the others still unwrap old ones. */
export class MasterKeyRing {
  readonly current: MasterKey;
  private readonly byId: Map<string, MasterKey>;

  constructor(keys: readonly MasterKey[]) {
    const first = keys[0];
    if (!first) throw new VisemoError(ErrorCode.StorageMisconfigured, 'no master key');
    this.current = first;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  get(id: string): MasterKey {
    const key = this.byId.get(id);
    if (!key) {
      throw new VisemoError(
        ErrorCode.StorageKeyUnavailable,
        `data is wrapped by master key ${id}, which is not configured (configured: ${this.ids.join(', ')}); add it to VISEMO_MASTER_KEY after the current key`,
      );
    }
    return key;
  }
}

export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('visemo master key id v1').digest('hex').slice(0, 16);
}

/** A new master key as VISEMO_MASTER_KEY expects it: base64 of 32 random bytes. */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/** `VISEMO_MASTER_KEY`: base64 keys separated by commas, current first. */
export function parseMasterKeys(text: string): MasterKey[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new VisemoError(ErrorCode.StorageMisconfigured, 'VISEMO_MASTER_KEY is empty');
  return parts.map((part, i) => {
    const key = Buffer.from(part, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(part)) {
      throw new VisemoError(
        ErrorCode.StorageMisconfigured,
        `master key ${i + 1} is not base64 of 32 bytes (make one with: node -e "console.log(crypto.randomBytes(32).toString('base64'))")`,
      );
    }
    return { id: masterKeyId(key), key };
  });
}

export interface MasterKeySource {
  ring: MasterKeyRing;
  /** Where the keys came from. */
  origin: 'option' | 'environment' | 'key-file' | 'ephemeral';
  /** Set when the keys are not fit for production: say it where an operator will read it. */
  warning?: string;
}

export interface ResolveMasterKeysOptions {
  /** Keys given in code (same format as the variable), ahead of the environment. */
  masterKey?: string;
  env: NodeJS.ProcessEnv;
  /** The development key file; none with an in-memory database. */
  keyFile?: string;
  /** A shared database server: a generated key would be lost with the machine, so refuse instead. */
  requireConfigured: boolean;
}

export function resolveMasterKeys(options: ResolveMasterKeysOptions): MasterKeySource {
  if (options.masterKey)
    return { ring: new MasterKeyRing(parseMasterKeys(options.masterKey)), origin: 'option' };
  const fromEnv = options.env.VISEMO_MASTER_KEY;
  if (fromEnv?.trim()) return { ring: new MasterKeyRing(parseMasterKeys(fromEnv)), origin: 'environment' };
  if (options.requireConfigured) {
    throw new VisemoError(
      ErrorCode.StorageMisconfigured,
      'DATABASE_URL is set but VISEMO_MASTER_KEY is not: set it to base64 of 32 random bytes ' +
        `(node -e "console.log(crypto.randomBytes(32).toString('base64'))"), kept in a secret store; ` +
        'every transcript, recording and memory is encrypted under it',
    );
  }
  if (!options.keyFile) {
    return {
      ring: new MasterKeyRing(parseMasterKeys(generateMasterKey())),
      origin: 'ephemeral',
      warning:
        'VISEMO_MASTER_KEY is not set: the in-memory database is encrypted under a key that is gone when the process ends',
    };
  }
  const { text, created } = readOrCreateKeyFile(options.keyFile);
  const ring = new MasterKeyRing(parseMasterKeys(text));
  const action = created ? 'created a development master key at' : 'using the development master key at';
  return {
    ring,
    origin: 'key-file',
    warning:
      `VISEMO_MASTER_KEY is not set: ${action} ${options.keyFile} (mode 0600). It lies next to the data it protects, ` +
      'so a copy of the directory can be read; for production set VISEMO_MASTER_KEY from a secret store (the file ' +
      'holds the value to use, so existing data stays readable).',
  };
}

function readOrCreateKeyFile(path: string): { text: string; created: boolean } {
  try {
    writeFileSync(path, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' });
    return { text: readFileSync(path, 'utf8'), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A key file others can read is tightened, not trusted as it is.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return { text: readFileSync(path, 'utf8'), created: false };
}

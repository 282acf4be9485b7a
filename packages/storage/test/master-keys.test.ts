import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@visemo/core';
import { afterEach, describe, expect, it } from 'vitest';
import { open, seal } from '../src/crypto/envelope.js';
import { parseMasterKeys, resolveMasterKeys } from '../src/crypto/master-keys.js';
import { generateMasterKey, openStorage } from '../src/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'visemo-keys-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('master keys', () => {
  it('refuse to start against a database server without a configured key, before connecting', async () => {
    // Port 9 (discard) has no database: the error must come from the key check, not the connection.
    await expect(
      openStorage({ env: {}, databaseUrl: 'postgres://nobody@127.0.0.1:9/none' }),
    ).rejects.toMatchObject({
      code: ErrorCode.StorageMisconfigured,
      message: expect.stringContaining('VISEMO_MASTER_KEY'),
    });
    await expect(
      openStorage({ env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', VISEMO_MASTER_KEY: '' } }),
    ).rejects.toMatchObject({ code: ErrorCode.StorageMisconfigured });
  });

  it('reject a key that is not base64 of 32 bytes', () => {
    expect(() => parseMasterKeys('c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => parseMasterKeys(`${generateMasterKey()},not*base64`)).toThrow(/master key 2/);
  });

  it('name each key by an id derived from it, the first one current', () => {
    const [a, b] = [generateMasterKey(), generateMasterKey()];
    const keys = parseMasterKeys(` ${a} , ${b} `);
    expect(keys.map((k) => k.id)).toEqual([parseMasterKeys(a)[0]?.id, parseMasterKeys(b)[0]?.id]);
    expect(keys[0]?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(
      resolveMasterKeys({ env: { VISEMO_MASTER_KEY: `${a},${b}` }, requireConfigured: true }).ring.current.id,
    ).toBe(keys[0]?.id);
  });

  it('without configuration, create a development key file (0600) once and warn every start', () => {
    const dir = tempDir();
    const keyFile = join(dir, 'master.key');
    const first = resolveMasterKeys({ env: {}, keyFile, requireConfigured: false });
    expect(first.origin).toBe('key-file');
    expect(first.warning).toMatch(/VISEMO_MASTER_KEY is not set: created a development master key/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = resolveMasterKeys({ env: {}, keyFile, requireConfigured: false });
    expect(second.ring.current.id).toBe(first.ring.current.id);
    expect(second.warning).toMatch(/using the development master key/);
  });

  it('tighten a key file others can read', () => {
    const keyFile = join(tempDir(), 'master.key');
    writeFileSync(keyFile, generateMasterKey(), { mode: 0o644 });
    resolveMasterKeys({ env: {}, keyFile, requireConfigured: false });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('npm start needs nothing: an embedded database in the data directory with a generated key', async () => {
    const dataDir = join(tempDir(), 'data');
    const storage = await openStorage({ env: {}, dataDir });
    try {
      expect(storage.database.kind).toBe('pglite');
      expect(storage.warnings).toEqual([expect.stringContaining(join(dataDir, 'master.key'))]);
      await expect(openStorage({ env: {}, dataDir })).rejects.toMatchObject({
        code: ErrorCode.StorageMisconfigured,
        message: expect.stringContaining('already open'),
      });
    } finally {
      await storage.close();
    }
  });
});

describe('encrypted values', () => {
  const key = Buffer.alloc(32, 7);

  it('open only with the additional data they were sealed with', () => {
    const sealed = seal(key, Buffer.from('hello'), 'visemo/v1|turns|a|user_text');
    expect(sealed[0]).toBe(1);
    expect(open(key, sealed, 'visemo/v1|turns|a|user_text').toString()).toBe('hello');
    expect(() => open(key, sealed, 'visemo/v1|turns|b|user_text')).toThrow(/did not authenticate/);
    expect(() => open(Buffer.alloc(32, 8), sealed, 'visemo/v1|turns|a|user_text')).toThrow(
      /did not authenticate/,
    );
  });

  it('refuse an unknown format version or a flipped bit', () => {
    const sealed = seal(key, Buffer.from('hello'), 'aad');
    const flipped = Buffer.from(sealed);
    flipped[14] = (flipped[14] as number) ^ 1;
    expect(() => open(key, flipped, 'aad')).toThrow(/did not authenticate/);
    const future = Buffer.from(sealed);
    future[0] = 2;
    expect(() => open(key, future, 'aad')).toThrow(/unknown encrypted value format/);
  });
});

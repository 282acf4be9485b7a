import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, VisemoError } from '@visemo/core';

/**
 * One encrypted value: `[version][iv: 12][ciphertext][tag: 16]`, AES-256-GCM. The version byte
 * names the format (and so the algorithm), so a later format can be read beside this one.
 */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Uint8Array, aad: string): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) {
    throw new VisemoError(ErrorCode.StorageIntegrity, `unknown encrypted value format (${aad})`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new VisemoError(
      ErrorCode.StorageIntegrity,
      `an encrypted value did not authenticate (${aad}): altered, or copied from another row`,
      { cause },
    );
  }
}

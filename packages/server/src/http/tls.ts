import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ErrorCode, VisemoError } from '@visemo/core';

/** A certificate (its chain, PEM) and its private key (PEM), as Fastify's `https` option takes them. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the PEM files of `visemo serve --tls-cert FILE --tls-key FILE` and checks that they make a
 * TLS context (parseable, and the key is the certificate's), so a wrong file stops the server at
 * start-up with `tls_not_configured` instead of failing every handshake.
 */
export async function readTlsCredentials(files: {
  certFile: string;
  keyFile: string;
}): Promise<TlsCredentials> {
  // One after the other, so that with both missing the message always names the certificate.
  const cert = await readPem(files.certFile, 'certificate');
  const key = await readPem(files.keyFile, 'key');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new VisemoError(
      ErrorCode.TlsNotConfigured,
      `the TLS certificate ${files.certFile} and key ${files.keyFile} do not make a TLS context: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { cert, key };
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new VisemoError(
      ErrorCode.TlsNotConfigured,
      `cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

import { ErrorCode, VisemoError } from '@visemo/core';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A table or schema name checked before it is put into SQL text (identifiers cannot be parameters). */
export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new VisemoError(
      ErrorCode.StorageMisconfigured,
      `"${name}" is not a plain SQL identifier (lower-case letters, digits, underscores)`,
    );
  }
  return `"${name}"`;
}

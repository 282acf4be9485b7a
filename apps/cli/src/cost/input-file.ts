import { readFile } from 'node:fs/promises';
import { InputError } from '../args.js';

/** A file the command was given, or an error that says what it is and where to get one. */
export async function readInputFile(file: string, what: string, hint: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? error}); ${hint}`,
    );
  }
}

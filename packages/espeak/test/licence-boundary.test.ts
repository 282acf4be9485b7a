import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The GPL engine stays out of the Apache-2.0 packages: none of their sources imports it or this
 * package for its values, and none needs it at run time. The one way in is the dynamic import in
 * the providers' espeak hop.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const GPL = '(?:@visemo/espeak|@echogarden/espeak-ng-emscripten)';
/** `import … from`, `export … from` and `import '…'` of a GPL module, with or without `type`. */
const STATIC = new RegExp(String.raw`\b(import|export)\s+(type\s+)?([^;'"]*?\s+from\s+)?['"]${GPL}['"]`, 'g');
const DYNAMIC = new RegExp(String.raw`\bimport\(\s*['"]${GPL}['"]\s*\)`, 'g');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

function apacheWorkspaces(): string[] {
  return ['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(root, parent))
      .map((name) => join(root, parent, name))
      .filter((dir) => !dir.endsWith(join('packages', 'espeak'))),
  );
}

describe('the licence boundary', () => {
  it('is crossed only by the providers’ dynamic import', () => {
    const crossings: string[] = [];
    for (const workspace of apacheWorkspaces()) {
      for (const file of sources(join(workspace, 'src'))) {
        const text = readFileSync(file, 'utf8');
        const at = relative(root, file);
        for (const m of text.matchAll(STATIC)) if (!m[2]) crossings.push(`${at}: ${m[0]}`);
        for (const m of text.matchAll(DYNAMIC)) crossings.push(`${at}: ${m[0]}`);
      }
    }
    expect(crossings).toEqual(["packages/providers/src/espeak/vendor.ts: import('@visemo/espeak')"]);
  });

  // Tests may make speech with it (a devDependency); shipped code may not need it.
  it('is no runtime dependency of an Apache package', () => {
    for (const workspace of apacheWorkspaces()) {
      const manifest = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8'));
      for (const field of ['dependencies', 'optionalDependencies']) {
        expect(Object.keys(manifest[field] ?? {}), `${relative(root, workspace)} ${field}`).not.toContain(
          '@visemo/espeak',
        );
        expect(Object.keys(manifest[field] ?? {})).not.toContain('@echogarden/espeak-ng-emscripten');
      }
    }
  });
});

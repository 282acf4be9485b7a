import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Which packages a workspace's code names, and whether its package.json declares them. A package
 * that is only reachable because npm hoisted it for another workspace works until the lock file
 * changes; a declared one is installed for this workspace whatever the others need.
 */

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'artifacts']);
/** Folders whose code runs in production and so needs `dependencies`; the rest is development code. */
const RUNTIME_DIRS = ['src', 'bin'];

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for anything else. */
export function packageName(specifier: string): string | null {
  if (/^(?:\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier)) return null; // relative, absolute, node:, data:, https:
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return builtinModules.includes(name) ? null : name;
}

function isResolveCall(callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'resolve') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'require') ||
    (ts.isCallExpression(target) &&
      ts.isIdentifier(target.expression) &&
      target.expression.text === 'createRequire') ||
    ts.isMetaProperty(target)
  );
}

/**
 * Every module specifier in `source`: static and type-only imports and re-exports, `import()` in
 * code and in types, `require()`, and `require.resolve` / `createRequire(…).resolve` /
 * `import.meta.resolve`, which load a package's files by path.
 */
export function moduleSpecifiers(source: string, fileName = 'module.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      literal(node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      literal(node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isImport || isRequire || isResolveCall(callee)) literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

export interface PackageJson {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The workspace folders of the repository at `root` (`packages/*`-style patterns only). */
export function workspaceDirs(root: string): string[] {
  return (readPackageJson(root).workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name))
      .filter((dir) => {
        try {
          readPackageJson(dir);
          return true;
        } catch {
          return false;
        }
      });
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A package a workspace's file names without declaring it where that file needs it. */
export interface UndeclaredImport {
  file: string;
  name: string;
  /** Where it belongs: `dependencies` for runtime code, `devDependencies` for tests and scripts. */
  missingFrom: 'dependencies' | 'devDependencies';
}

/**
 * The undeclared packages of the workspace at `dir`. Runtime code (src/, bin/) may use its own
 * `dependencies`, `peerDependencies` and `optionalDependencies`; tests and scripts also its
 * `devDependencies` and the repository root's tooling (`rootTooling`: vitest, typescript…).
 */
export function undeclaredImports(dir: string, rootTooling: readonly string[] = []): UndeclaredImport[] {
  const pkg = readPackageJson(dir);
  const runtime = new Set([
    ...(pkg.name ? [pkg.name] : []),
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
  ]);
  const development = new Set([...runtime, ...Object.keys(pkg.devDependencies ?? {}), ...rootTooling]);
  const found: UndeclaredImport[] = [];
  for (const path of sourceFiles(dir)) {
    const file = relative(dir, path);
    const isRuntime = RUNTIME_DIRS.some((d) => file.startsWith(`${d}/`));
    const allowed = isRuntime ? runtime : development;
    const names = new Set(moduleSpecifiers(readFileSync(path, 'utf8'), path).map(packageName));
    for (const name of names) {
      if (name && !allowed.has(name)) {
        found.push({ file, name, missingFrom: isRuntime ? 'dependencies' : 'devDependencies' });
      }
    }
  }
  return found;
}

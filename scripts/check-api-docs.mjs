#!/usr/bin/env node
// Fails when a public export has no TSDoc comment: every name exported by an entry point of a
// public package (`exports` of its package.json, mapped to src/) must have a `/** ... */` on its
// declaration, since the API reference (`pnpm run docs`, TypeDoc) is generated from them.
//
//   node scripts/check-api-docs.mjs
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { publicPackages, root } from './release/pack-and-install.mjs';

const ts = createRequire(join(root, 'package.json'))('typescript');

/** src/ file of each entry point: `.` → src/index.ts, `./testing` → src/testing/index.ts. */
const entries = publicPackages().flatMap((pkg) =>
  Object.entries(pkg.manifest.exports)
    .filter(
      ([subpath, target]) =>
        target !== null && !subpath.includes('*') && !subpath.endsWith('.json'),
    )
    .map(([subpath]) => ({
      id: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
      file: join(pkg.dir, 'src', subpath === '.' ? '' : subpath.slice(2), 'index.ts'),
    })),
);

const program = ts.createProgram(
  entries.map((e) => e.file),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    skipLibCheck: true,
    paths: Object.fromEntries(entries.map((e) => [e.id, [e.file]])),
  },
);
const checker = program.getTypeChecker();

/** The node a doc comment belongs to (a variable's is on its statement). */
function documented(declaration) {
  const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  return ts.getJSDocCommentsAndTags(node).length > 0;
}

const missing = [];
for (const entry of entries) {
  const source = program.getSourceFile(entry.file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${entry.file}`);
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    if (declarations.length > 0 && !declarations.some(documented)) {
      const d = declarations[0];
      const at = d.getSourceFile();
      const line = at.getLineAndCharacterOfPosition(d.getStart()).line + 1;
      missing.push(`${entry.id}: ${exported.name} (${at.fileName.slice(root.length + 1)}:${line})`);
    }
  }
}

if (missing.length > 0) {
  for (const m of missing) console.error(`✗ ${m} has no TSDoc comment`);
  console.error(`api docs: ${missing.length} public export(s) undocumented`);
  process.exitCode = 1;
} else {
  console.log(`api docs: every public export of ${entries.length} entry points is documented`);
}

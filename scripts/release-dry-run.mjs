#!/usr/bin/env node
// Release dry run: what a user of the registry would get, checked before anything is published.
//
//   pnpm build && node scripts/release-dry-run.mjs [--keep]
//
// 1. Packs every public package with `pnpm pack` (workspace: ranges rewritten, as on publish).
// 2. Checks each tarball: LICENSE (the repository's) and README.md present, every relative link
//    of the README pointing at a file inside the tarball, no `workspace:` range, repository,
//    homepage and bugs set, all naming one repository, whose URL is printed (it is not checked
//    against a real remote: confirm it before the first release, see CONTRIBUTING.md).
// 3. Installs the tarballs with npm into a fresh project (no scripts needed) and loads every
//    entry point as ESM and as CommonJS (same export names both ways), with a small run.
// 4. Type-checks a strict consumer (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess)
//    under moduleResolution node10, node16, nodenext and bundler (the bundler run with
//    skipLibCheck off, so our .d.ts files are checked too; once is enough and saves time), and scans the shipped .d.ts files for `any` and for optional
//    properties that do not accept an explicit `undefined`.
// 5. Runs attw (every resolution profile) on each tarball and publint --strict on each package
//    as installed.
// Any failure exits non-zero. --keep leaves the temp directory (printed) on disk.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import {
  inPool,
  npmInstall,
  packAll,
  publicPackages,
  root,
  run,
  runAsync,
  step,
  tempDir,
} from './release/pack-and-install.mjs';

const start = performance.now();
const keep = process.argv.includes('--keep');
const work = tempDir('release-dry-run');
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`✗ ${message}`);
};

try {
  const packages = publicPackages();
  const tarballs = packAll(join(work, 'packs'), packages);
  step(start, `packed ${packages.map((p) => p.name).join(', ')}`);

  // --- 2. tarball contents --------------------------------------------------------------------
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  /** Repository URL → the package.json fields that name it (repository, homepage, bugs). */
  const repositories = new Map();
  /** The repository (if a GitHub one) of every README link, to count the links to ours. */
  const readmeRepositoryLinks = [];
  /** [package, link] of every README link, checked once the repository URL is known. */
  const repositoryLinks = [];
  for (const [name, tarball] of tarballs) {
    const files = new Set(
      run('tar', ['-tzf', tarball])
        .split('\n')
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, '')),
    );
    const read = (file) => run('tar', ['-xOzf', tarball, `package/${file}`]);
    for (const required of ['LICENSE', 'README.md', 'package.json']) {
      if (!files.has(required)) fail(`${name}: the tarball has no ${required}`);
    }
    if (files.has('LICENSE') && read('LICENSE') !== license) {
      fail(`${name}: LICENSE differs from the repository's LICENSE`);
    }
    if (files.has('README.md')) {
      const readme = read('README.md');
      for (const link of markdownLinks(readme)) {
        if (link.startsWith('#') && !headingAnchors(readme).has(link.slice(1))) {
          fail(`${name}: README link "${link}" names no heading of the README`);
        }
        if (/^(https?:|mailto:|#)/.test(link)) continue;
        const target = posix.normalize(link.replace(/[#?].*$/, ''));
        if (target.startsWith('..') || !(files.has(target) || hasDir(files, target))) {
          fail(`${name}: README link "${link}" points outside the package or to a missing file`);
        }
      }
    }
    const manifestText = read('package.json');
    const manifest = JSON.parse(manifestText);
    if (manifestText.includes('workspace:')) fail(`${name}: package.json keeps a workspace: range`);
    for (const field of ['license', 'repository', 'homepage', 'bugs', 'description']) {
      if (!manifest[field]) fail(`${name}: package.json has no "${field}"`);
    }
    const dir = posix.relative(root, packages.find((p) => p.name === name).dir);
    for (const [where, url] of [
      ['repository.url', manifest.repository?.url],
      ['homepage', manifest.homepage],
      ['bugs.url', manifest.bugs?.url],
    ]) {
      const base = repositoryOf(url);
      if (base === undefined) fail(`${name}: ${where} ${JSON.stringify(url)} is not a GitHub URL`);
      else repositories.set(base, [...(repositories.get(base) ?? []), `${name} ${where}`]);
    }
    if (files.has('README.md')) {
      for (const link of markdownLinks(read('README.md'))) {
        readmeRepositoryLinks.push(repositoryOf(link));
        repositoryLinks.push([name, link]);
      }
    }
    if (manifest.repository?.directory !== dir) {
      fail(`${name}: repository.directory is "${manifest.repository?.directory}", not "${dir}"`);
    }
  }
  // The repository URL is not checked against a real remote (there is none yet): it is printed so
  // that a reviewer sees it, and every package must name the same one in every field.
  for (const [base, uses] of repositories) {
    const links = readmeRepositoryLinks.filter((link) => link === base).length;
    console.log(
      `repository URL: ${base} (in ${uses.length} package.json fields and ${links} README links; not checked against a remote: confirm it before the first release)`,
    );
  }
  // A README link into the repository (`…/blob/main/CONTRIBUTING.md#add-a-loss`) must name a file
  // or folder that exists here and, for a Markdown file, a heading it has.
  for (const [name, link] of repositoryLinks) {
    const m =
      /^https:\/\/github\.com\/[^/]+\/[^/]+\/(?:blob|tree)\/[^/]+\/([^#?]+)(?:#(.*))?$/.exec(link);
    if (m === null || !repositories.has(repositoryOf(link))) continue;
    const [, path, anchor] = m;
    const file = join(root, decodeURIComponent(path));
    if (!existsSync(file))
      fail(`${name}: README link "${link}" names ${path}, which does not exist`);
    else if (
      anchor &&
      path.endsWith('.md') &&
      !headingAnchors(readFileSync(file, 'utf8')).has(anchor)
    ) {
      fail(`${name}: README link "${link}": ${path} has no heading #${anchor}`);
    }
  }
  if (repositories.size !== 1) {
    fail(
      `the packages name ${repositories.size} repositories: ${[...repositories.keys()].join(', ')}`,
    );
  }
  step(start, 'checked tarball contents (LICENSE, README links, manifest)');

  // --- 3. npm install, ESM and CJS --------------------------------------------------------------
  const project = join(work, 'project');
  mkdirSync(project);
  npmInstall(project, {
    name: 'nabla-consumer',
    private: true,
    dependencies: Object.fromEntries([...tarballs].map(([n, file]) => [n, `file:${file}`])),
  });
  step(start, 'npm installed the tarballs into a fresh project');

  const entryPoints = [];
  for (const pkg of packages) {
    for (const [subpath, target] of Object.entries(pkg.manifest.exports)) {
      if (target === null || subpath.endsWith('.json') || subpath.includes('*')) continue;
      entryPoints.push(subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);
    }
  }
  writeFileSync(
    join(project, 'exports.mjs'),
    `const names = {};
for (const id of ${JSON.stringify(entryPoints)}) names[id] = Object.keys(await import(id)).sort();
console.log(JSON.stringify(names));
`,
  );
  writeFileSync(
    join(project, 'exports.cjs'),
    `const names = {};
for (const id of ${JSON.stringify(entryPoints)}) names[id] = Object.keys(require(id)).sort();
console.log(JSON.stringify(names));
`,
  );
  const esm = JSON.parse(run('node', ['exports.mjs'], { cwd: project }));
  const cjs = JSON.parse(run('node', ['exports.cjs'], { cwd: project }));
  for (const id of entryPoints) {
    if (!esm[id]?.length) fail(`${id}: no exports when imported as ESM`);
    if (JSON.stringify(esm[id]) !== JSON.stringify(cjs[id])) {
      fail(`${id}: ESM and CJS export different names`);
    }
  }
  writeFileSync(join(project, 'smoke.mjs'), smoke('import'));
  writeFileSync(join(project, 'smoke.cjs'), smoke('require'));
  for (const file of ['smoke.mjs', 'smoke.cjs']) {
    try {
      run('node', [file], { cwd: project });
    } catch (error) {
      fail(`${file}: ${error.message}`);
    }
  }
  step(
    start,
    `loaded ${entryPoints.length} entry points as ESM and CJS, ran the smoke test both ways`,
  );

  // --- 4. strict consumer under every moduleResolution -----------------------------------------
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const typeRoots = [join(root, 'node_modules', '@types')];
  // node16 is checked as a CommonJS consumer (.cts) and nodenext as an ES module (.mts), so both
  // halves of the exports map are type-checked under Node's rules.
  const resolutions = [
    { name: 'node10', module: 'commonjs', moduleResolution: 'node10', file: 'consumer.ts' },
    { name: 'node16 (CJS)', module: 'node16', moduleResolution: 'node16', file: 'consumer.cts' },
    {
      name: 'nodenext (ESM)',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      file: 'consumer.mts',
    },
    {
      name: 'bundler',
      module: 'esnext',
      moduleResolution: 'bundler',
      file: 'consumer.ts',
      libCheck: true,
    },
  ];
  const consumer = readFileSync(join(root, 'scripts/release/consumer.ts'), 'utf8');
  for (const file of new Set(resolutions.map((r) => r.file))) {
    writeFileSync(join(project, file), consumer);
  }
  // The slow checks (tsc, attw, publint) run two at a time, after the quick ones.
  const slow = [];
  for (const r of resolutions) {
    const config = join(project, `tsconfig.${r.name.replace(/\W+/g, '-')}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module: r.module,
          moduleResolution: r.moduleResolution,
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noImplicitOverride: true,
          skipLibCheck: !r.libCheck,
          noEmit: true,
          typeRoots,
          types: ['node'],
        },
        files: [r.file],
      }),
    );
    slow.push(() =>
      runAsync('node', [tsc, '-p', config], { cwd: project }).then(
        () => step(start, `strict consumer type-checks under ${r.name}`),
        (error) => fail(`strict consumer under ${r.name}: ${error.message}`),
      ),
    );
  }

  for (const pkg of packages) {
    const dir = join(project, 'node_modules', pkg.name);
    for (const file of walk(dir).filter((f) => /\.d\.c?ts$/.test(f))) {
      for (const problem of declarationProblems(readFileSync(file, 'utf8'))) {
        fail(`${pkg.name}/${file.slice(dir.length + 1)}: ${problem}`);
      }
    }
  }
  step(start, 'scanned the shipped .d.ts files (no any; optional properties accept undefined)');

  // --- 5. attw (every profile) and publint --------------------------------------------------------
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  for (const [name, tarball] of tarballs) {
    slow.push(() =>
      runAsync(bin('attw'), [tarball, '--format', 'ascii']).then(
        () => step(start, `attw (node10, node16 CJS/ESM, bundler): ${name}`),
        (error) => fail(`attw ${name}: ${error.message}`),
      ),
    );
    // The installed directory is exactly the tarball's contents; --strict turns warnings into
    // errors (a non-zero exit).
    const dir = join(work, 'publint', name);
    mkdirSync(dir, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
    slow.push(() =>
      runAsync(bin('publint'), ['--strict', '--pack', 'false', dir]).then(
        () => step(start, `publint --strict: ${name}`),
        (error) => fail(`publint ${name}: ${error.message}`),
      ),
    );
  }
  await inPool(slow, 2);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`release dry run: ${failures.length} problem(s)`);
  process.exitCode = 1;
} else {
  step(start, 'release dry run passed');
}

/** Targets of inline markdown links and images: `[text](target)`. */
function markdownLinks(markdown) {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
}

/** `https://github.com/owner/name` of a git+https, homepage, issues or README link URL. */
function repositoryOf(url) {
  const m = /^(?:git\+)?https:\/\/github\.com\/([^/#?]+)\/([^/#?]+?)(?:\.git)?(?:[/#?].*)?$/.exec(
    url ?? '',
  );
  return m === null ? undefined : `https://github.com/${m[1]}/${m[2]}`;
}

/** GitHub's anchors for the headings of a Markdown file (`## Add a loss` → `add-a-loss`). */
function headingAnchors(markdown) {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

function hasDir(files, dir) {
  const prefix = `${dir.replace(/\/$/, '')}/`;
  for (const f of files) if (f.startsWith(prefix)) return true;
  return false;
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return entry.name === 'node_modules' ? [] : walk(join(dir, entry.name));
    return [join(dir, entry.name)];
  });
}

/**
 * Problems in one declaration file, found with the TypeScript parser: an `any` type, and an
 * optional property or method (`x?:`) whose type does not include `undefined` (rejected by
 * consumers with exactOptionalPropertyTypes when they pass `x: value | undefined`).
 */
function declarationProblems(text) {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const source = ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.Latest, true);
  const problems = [];
  const where = (node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    return `line ${line + 1}`;
  };
  const hasUndefined = (type) =>
    type !== undefined &&
    (type.kind === ts.SyntaxKind.UndefinedKeyword ||
      (ts.isUnionTypeNode(type) && type.types.some(hasUndefined)) ||
      (ts.isParenthesizedTypeNode(type) && hasUndefined(type.type)));
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) problems.push(`${where(node)}: any`);
    if (
      (ts.isPropertySignature(node) || ts.isPropertyDeclaration(node)) &&
      node.questionToken &&
      !hasUndefined(node.type)
    ) {
      problems.push(`${where(node)}: optional "${node.name.getText()}" does not accept undefined`);
    }
    if (ts.isMethodSignature(node) && node.questionToken) {
      problems.push(
        `${where(node)}: optional method "${node.name.getText()}" does not accept undefined (write it as a property: \`x?: (...) => T | undefined\`)`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/** A small end-to-end run through every package, as `import` (ESM) or `require` (CJS). */
function smoke(kind) {
  const load =
    kind === 'import'
      ? (names, id) => `import { ${names} } from '${id}';`
      : (names, id) => `const { ${names} } = require('${id}');`;
  return `${load('Linear, ReLU, Sequential', '@nabla/layers')}
${load('SoftmaxCrossEntropy', '@nabla/losses')}
${load('Adam', '@nabla/optimizers')}
${load('DataLoader, TensorDataset', '@nabla/data')}
${load('createRng, decodeSafetensors, encodeSafetensors, normal, tensor', '@nabla/tensor')}
${load('gradCheck', '@nabla/tensor/testing')}
const assert = (ok, message) => { if (!ok) throw new Error(message); };
const rng = createRng(1);
const x = normal(rng, [32, 3], 0, 1);
const y = tensor(Array.from({ length: 32 }, (_, i) => (x.data[3 * i] > 0 ? 1 : 0)), 'int32');
// Explicit undefined options mean "default" (exactOptionalPropertyTypes consumers pass them).
const model = new Sequential(new Linear(3, 8, { rng, bias: undefined }), new ReLU(), new Linear(8, 2, { rng }));
assert(model.parameters().length === 4, 'Linear({ bias: undefined }) has no bias');
const optimizer = new Adam(model.parameters(), { lr: undefined, betas: undefined });
assert(optimizer.lr === 1e-3, 'Adam({ lr: undefined }) is not the default rate');
const loss = new SoftmaxCrossEntropy({ labelSmoothing: undefined });
const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true, seed: 2, dropLast: undefined });
let first;
let last;
for (let epoch = 0; epoch < 30; epoch++) {
  for (const [bx, by] of loader) {
    const out = loss.compute(model.forward(bx, { training: true }), by);
    first ??= out.loss;
    last = out.loss;
    model.backward(out.grad, { inputGrad: false });
    optimizer.step();
  }
}
assert(last < first, \`the loss did not fall: \${first} -> \${last}\`);
const { tensors } = decodeSafetensors(encodeSafetensors(model.stateDict()));
const keys = Object.keys(tensors).sort().join();
assert(keys === '0.bias,0.weight,2.bias,2.weight', \`checkpoint keys \${keys}\`);
assert(typeof gradCheck === 'function', 'gradCheck');
`;
}

#!/usr/bin/env node
// Checks that the pending changesets make a coherent release (what `changeset status` would
// plan, read with the same library), so the next `changeset version` gives clean changelogs:
//
// - private packages (the demo, the bench, the examples) are never versioned;
// - every public package has a CHANGELOG.md whose newest entry is its current version;
// - before a package's first publish (no `<name>@<version>` git tag, which `changeset publish`
//   creates), no changeset may bump it: its first release is the hand-written entry of its
//   CHANGELOG.md, so a change made before then is described there and its changeset deleted;
// - no package is pushed to a new major by the peer-dependency cascade (changesets bumps a
//   dependent to a major when its peer dependency leaves the declared range, and 0.x minors
//   always do) unless a changeset asks for that major itself.
//
//   node scripts/check-changesets.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import getReleasePlanModule from '@changesets/get-release-plan';
import { publicPackages, root } from './release/pack-and-install.mjs';

const getReleasePlan = getReleasePlanModule.default ?? getReleasePlanModule;
const problems = [];

const config = JSON.parse(readFileSync(join(root, '.changeset/config.json'), 'utf8'));
if (config.privatePackages?.version !== false) {
  problems.push(
    '.changeset/config.json: set "privatePackages": { "version": false, "tag": false }',
  );
}

const plan = await getReleasePlan(root);
const publicByName = new Map(publicPackages().map((p) => [p.name, p]));
const tags = new Set(
  execFileSync('git', ['tag', '--list'], { cwd: root, encoding: 'utf8' }).split('\n'),
);
const filesNaming = (name) =>
  plan.changesets
    .filter((c) => c.releases.some((r) => r.name === name))
    .map((c) => `.changeset/${c.id}.md`);

for (const [name, pkg] of publicByName) {
  const changelog = join(pkg.dir, 'CHANGELOG.md');
  const newest = existsSync(changelog)
    ? /^## (\S+)/m.exec(readFileSync(changelog, 'utf8'))?.[1]
    : undefined;
  if (newest !== pkg.manifest.version) {
    problems.push(
      `${name}: CHANGELOG.md's newest entry is ${newest ?? '(none)'}, package.json says ${pkg.manifest.version}`,
    );
  }
}

for (const release of plan.releases) {
  if (release.type === 'none') continue;
  const pkg = publicByName.get(release.name);
  if (!pkg) {
    problems.push(
      `${release.name} is private (or not under packages/) but would be released as ${release.newVersion}`,
    );
    continue;
  }
  if (!tags.has(`${release.name}@${release.oldVersion}`)) {
    problems.push(
      `${release.name}@${release.oldVersion} is not published yet (no git tag), so its first release is the ${release.oldVersion} entry of packages/${pkg.dir.split('/').pop()}/CHANGELOG.md: describe the change there and delete ${filesNaming(release.name).join(', ') || 'the changesets naming it'}`,
    );
  }
  const asked = plan.changesets.some((c) =>
    c.releases.some((r) => r.name === release.name && r.type === 'major'),
  );
  if (release.type === 'major' && !asked) {
    problems.push(
      `${release.name} would go ${release.oldVersion} → ${release.newVersion} only because a peer dependency leaves its peer range: if it works with the new version, widen its peerDependencies range in the same change (e.g. "^0.1.0 || ^0.2.0"); otherwise say "major" in a changeset of its own`,
    );
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`✗ ${p}`);
  console.error(`changesets: ${problems.length} problem(s); see .changeset/README.md`);
  process.exitCode = 1;
} else {
  const summary = plan.releases.map((r) => `${r.name} ${r.oldVersion} → ${r.newVersion}`);
  console.log(
    `changesets: coherent (${plan.changesets.length} pending; ${summary.join(', ') || 'nothing to release'})`,
  );
}

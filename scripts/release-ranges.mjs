// The versions a release publishes, and the version ranges this repository hands to users
// (the examples' package.json files and the READMEs' `@stickycalls/…@^x.y.z` lines). An admin
// copies an example and runs `npm install`: a range that does not accept the published
// version fails there (under 0.x, `^0.1.0` does not accept 0.2.0). Used by `pnpm release`
// and by scripts/test/release-ranges.test.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import getReleasePlan from '@changesets/get-release-plan';
import semver from 'semver';

/** Folders never searched for READMEs: installed, generated or copied files. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  'build',
  'coverage',
  '.git',
  '.tools',
  '.cache',
  '.changeset',
]);
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
// `@stickycalls/core@^0.1.0`, or `@stickycalls/…@^0.1.0` for every published package.
const README_RANGE = /@stickycalls\/([a-z0-9-]+|…)@([~^]?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/g;

/**
 * The packages this repository publishes: `packages/*` that are not private.
 * @param {string} root
 * @returns {{ name: string, version: string, dir: string }[]}
 */
export function publishedPackages(root) {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, 'packages', entry.name))
    .flatMap((dir) => {
      const pkg = readJson(join(dir, 'package.json'));
      return pkg && !pkg.private ? [{ name: pkg.name, version: pkg.version, dir }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The version each published package will have after `changeset version` applies the
 * pending changesets (its current version when none names it).
 * @param {string} root
 * @returns {Promise<Map<string, string>>}
 */
export async function nextVersions(root) {
  const plan = await getReleasePlan(root);
  const versions = new Map(publishedPackages(root).map((pkg) => [pkg.name, pkg.version]));
  for (const release of plan.releases) {
    if (versions.has(release.name) && release.type !== 'none') versions.set(release.name, release.newVersion);
  }
  return versions;
}

/**
 * Every `@stickycalls/*` range a user is told to install: the examples' package.json
 * dependencies (not `workspace:` ones: those examples run only inside this repository)
 * and the version ranges written in Markdown files.
 * @param {string} root
 * @returns {{ where: string, name: string, range: string }[]}
 */
export function promisedRanges(root) {
  const ranges = [];
  for (const entry of readdirSync(join(root, 'examples'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(root, 'examples', entry.name, 'package.json');
    const pkg = readJson(file);
    if (!pkg) continue;
    for (const field of DEPENDENCY_FIELDS) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (!name.startsWith('@stickycalls/') || String(range).startsWith('workspace:')) continue;
        ranges.push({ where: `${relative(root, file)} (${field})`, name, range: String(range) });
      }
    }
  }
  for (const file of markdownFiles(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const [, name, range] of line.matchAll(README_RANGE)) {
        ranges.push({
          where: `${relative(root, file)}:${index + 1}`,
          name: name === '…' ? '@stickycalls/…' : `@stickycalls/${name}`,
          range,
        });
      }
    });
  }
  return ranges;
}

/**
 * What is wrong between the versions to publish and the promised ranges, one sentence
 * each (empty when nothing is). The published packages share one version (the
 * changesets `fixed` group), so an admin installing `^x.y.z` of each gets a set built
 * together.
 * @param {string} root
 * @param {Map<string, string>} versions
 * @returns {string[]}
 */
export function rangeProblems(root, versions) {
  const problems = [];
  const distinct = new Set(versions.values());
  if (distinct.size > 1) {
    const list = [...versions].map(([name, version]) => `${name}@${version}`).join(', ');
    problems.push(
      `The published packages must share one version, and the release would publish ${list}: list them in one "fixed" group in .changeset/config.json and give them the same version.`,
    );
  }
  for (const { where, name, range } of promisedRanges(root)) {
    const names = name === '@stickycalls/…' ? [...versions.keys()] : [name];
    for (const each of names) {
      const version = versions.get(each);
      if (version === undefined) {
        problems.push(`${where} asks for ${each}@${range}, which this repository does not publish.`);
      } else if (!semver.validRange(range)) {
        problems.push(`${where} asks for ${each}@${range}, which is not a version range.`);
      } else if (!semver.satisfies(version, range)) {
        problems.push(
          `${where} asks for ${each}@${range}, which does not accept ${version} (the version the release publishes): write ^${version}.`,
        );
      }
    }
  }
  return problems;
}

/** @param {string} root */
function* markdownFiles(root, dir = root) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* markdownFiles(root, join(dir, entry.name));
    } else if (entry.name.endsWith('.md') && entry.name !== 'CHANGELOG.md') {
      yield join(dir, entry.name);
    }
  }
}

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

#!/usr/bin/env node
// Builds the workspace's packages (core first, then those that use it), skipping a package
// whose build is up to date: every file its package.json exports exists, and the oldest
// file in its dist/ is newer than every input (src/, package.json, tsup.config.ts, its
// tsconfig files, the shared tsconfig.base.json). A package is rebuilt when a package it
// uses was.
//   node scripts/build-packages.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The packages in build order, each with the workspace packages it uses. */
export const PACKAGES = [
  { dir: 'packages/core', uses: [] },
  { dir: 'packages/twilio-function-adapter', uses: ['packages/core'] },
  { dir: 'packages/flex-react', uses: ['packages/core'] },
  { dir: 'packages/fetch-adapter', uses: ['packages/core'] },
];

/**
 * Why a package needs building, or `undefined` when its build is up to date.
 * @param {string} packageDir absolute path
 * @returns {string | undefined}
 */
export function staleReason(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const dist = join(packageDir, 'dist');
  if (!existsSync(dist)) return 'not built';
  for (const file of exportedFiles(manifest)) {
    if (!existsSync(join(packageDir, file))) return `${file} is missing`;
  }
  const built = oldest(dist);
  const inputs = [
    join(packageDir, 'src'),
    join(packageDir, 'package.json'),
    join(packageDir, 'tsup.config.ts'),
    join(root, 'tsconfig.base.json'),
    ...readdirSync(packageDir)
      .filter((name) => /^tsconfig.*\.json$/.test(name))
      .map((name) => join(packageDir, name)),
  ];
  for (const input of inputs) {
    if (!existsSync(input)) continue;
    const changed = newest(input);
    if (changed.mtimeMs > built)
      return `${changed.path.slice(packageDir.length + 1) || 'package.json'} changed`;
  }
  return undefined;
}

/** The built files a package.json points at (exports' conditions, main, module, types). */
function exportedFiles(manifest) {
  const files = new Set();
  const visit = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/')) files.add(value.slice(2));
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) visit(inner);
    }
  };
  visit(manifest.exports);
  for (const key of ['main', 'module', 'types']) visit(manifest[key]);
  return [...files];
}

function oldest(dir) {
  let min = Number.POSITIVE_INFINITY;
  for (const file of walk(dir)) min = Math.min(min, statSync(file).mtimeMs);
  return min;
}

function newest(path) {
  let best = { path, mtimeMs: statSync(path).mtimeMs };
  if (statSync(path).isDirectory()) {
    best = { path, mtimeMs: 0 };
    for (const file of walk(path)) {
      const mtimeMs = statSync(file).mtimeMs;
      if (mtimeMs > best.mtimeMs) best = { path: file, mtimeMs };
    }
  }
  return best;
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function main() {
  const force = process.argv.includes('--force');
  const rebuilt = new Set();
  for (const { dir, uses } of PACKAGES) {
    const packageDir = join(root, dir);
    const name = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).name;
    const usedRebuilt = uses.find((used) => rebuilt.has(used));
    const reason = force ? '--force' : usedRebuilt ? `${usedRebuilt} was rebuilt` : staleReason(packageDir);
    if (reason === undefined) {
      console.log(`${name}: up to date`);
      continue;
    }
    console.log(`${name}: building (${reason})`);
    const result = spawnSync('pnpm', ['--filter', name, 'build'], {
      cwd: root,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
    rebuilt.add(dir);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

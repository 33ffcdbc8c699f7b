#!/usr/bin/env node
// A test run leaves the working tree as it found it (results files, for example, are
// written only by `pnpm bench` and `pnpm --filter @stickycalls/reliability results`).
// `pnpm check` calls:
//   node scripts/unchanged-tree.mjs start   records what git reports as changed or new
//   node scripts/unchanged-tree.mjs end     fails if a file changed, appeared or went since
// Files already changed before the run are compared by content, so a developer's own
// edits are not blamed on the tests. Outside a git checkout it does nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const mode = process.argv[2];
if (mode !== 'start' && mode !== 'end') {
  console.error('Usage: node scripts/unchanged-tree.mjs start|end');
  process.exit(2);
}
const git = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (git.status !== 0) process.exit(0); // not a git checkout (or no git): nothing to compare

// One record per checkout, in the system's temporary folder (never in the tree itself).
const record = join(tmpdir(), `stickycalls-tree-${hash(root).slice(0, 16)}.json`);
const now = snapshot(git.stdout);

if (mode === 'start') {
  writeFileSync(record, JSON.stringify(now));
  process.exit(0);
}
if (!existsSync(record)) process.exit(0); // `end` without `start`: nothing to compare with
const before = JSON.parse(readFileSync(record, 'utf8'));
rmSync(record, { force: true });
const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])]
  .filter((path) => before[path] !== now[path])
  .sort();
if (changed.length > 0) {
  console.error(
    [
      '',
      `The checks changed ${changed.length} file(s) in the working tree; a test run must leave it as it found it`,
      '(write to os.tmpdir(); results files are written by `pnpm bench` and the reliability `results` script only):',
      ...changed.map((path) => `  ${path}: ${describe(before[path], now[path])}`),
      'If you edited these files yourself while the checks ran, run them again.',
    ].join('\n'),
  );
  process.exit(1);
}

/**
 * Path → git's status letters and the file's content hash, for every path git reports.
 * @param {string} porcelain `git status --porcelain=v1 -z` output
 */
function snapshot(porcelain) {
  const entries = {};
  const fields = porcelain.split('\0');
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i];
    if (field.length < 4) continue;
    const status = field.slice(0, 2);
    const path = field.slice(3);
    if (status.includes('R') || status.includes('C')) i += 1; // the next field is the old name
    entries[path] = `${status} ${contentHash(join(root, path))}`;
  }
  return entries;
}

function contentHash(file) {
  try {
    return statSync(file).isFile() ? hash(readFileSync(file)) : 'not a file';
  } catch {
    return 'missing';
  }
}

function describe(was, is) {
  if (was === undefined) return 'changed or created by the run';
  if (is === undefined) return 'put back as committed by the run';
  return 'changed again by the run';
}

function hash(data) {
  return createHash('sha256').update(data).digest('hex');
}

// `pnpm check` ends by checking that the run changed no file in the working tree (results
// files were once rewritten by every test run). The check must catch a file the run wrote
// and must not blame a developer's own edits made before the run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '../unchanged-tree.mjs');
let repo;

function git(...args) {
  const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

function guard(mode) {
  return spawnSync(process.execPath, [join(repo, 'scripts/unchanged-tree.mjs'), mode], {
    cwd: repo,
    encoding: 'utf8',
  });
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'stickycalls-tree-test-'));
  mkdirSync(join(repo, 'bench'));
  mkdirSync(join(repo, 'scripts'));
  copyFileSync(script, join(repo, 'scripts/unchanged-tree.mjs'));
  writeFileSync(join(repo, 'bench/RESULTS.md'), 'figures\n');
  writeFileSync(join(repo, 'README.md'), 'readme\n');
  git('init', '-q');
  git('add', '-A');
  git(
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@example.com',
    '-c',
    'commit.gpgsign=false',
    'commit',
    '-q',
    '-m',
    'init',
  );
});

afterEach(() => {
  guard('end'); // drops the record if a test left one
  rmSync(repo, { recursive: true, force: true });
});

describe('scripts/unchanged-tree.mjs', () => {
  it('fails, naming the file, when the run rewrites a tracked file', () => {
    expect(guard('start').status).toBe(0);
    writeFileSync(join(repo, 'bench/RESULTS.md'), 'new figures\n');
    const end = guard('end');
    expect(end.status).toBe(1);
    expect(end.stderr).toContain('bench/RESULTS.md: changed or created by the run');
  });

  it('fails when the run creates a file that is not ignored', () => {
    guard('start');
    writeFileSync(join(repo, 'screenshot.png'), 'png');
    const end = guard('end');
    expect(end.status).toBe(1);
    expect(end.stderr).toContain('screenshot.png');
  });

  it('passes over edits made before the run, and fails if the run changes them again', () => {
    writeFileSync(join(repo, 'README.md'), 'my edit\n');
    guard('start');
    expect(guard('end').status).toBe(0);

    guard('start');
    writeFileSync(join(repo, 'README.md'), 'overwritten\n');
    const end = guard('end');
    expect(end.status).toBe(1);
    expect(end.stderr).toContain('README.md: changed again by the run');
  });

  it('passes when nothing changed', () => {
    guard('start');
    const end = guard('end');
    expect(end.status).toBe(0);
    expect(end.stderr).toBe('');
  });
});

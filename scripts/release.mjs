#!/usr/bin/env node
// Releases the published packages in one command:
//   pnpm release             version (changesets), install, build, check, commit, publish
//   pnpm release --dry-run   the same in a temporary copy of the repository, ending with
//                            `pnpm publish --dry-run`: the working tree is left as it was
//
// The three packages share one version (the "fixed" group in .changeset/config.json), so an
// admin who installs `^x.y.z` of each gets packages built and tested together. Before
// anything is published: the examples' and READMEs' ranges must accept the new versions
// (scripts/release-ranges.mjs), publint and attw must pass on the tarballs npm would get, and
// (for a real release) the packed-tarball tests must pass. A real release needs an npm
// token (NPM_TOKEN, or NODE_AUTH_TOKEN as CI's setup-node names it) or an `npm login`.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextVersions, publishedPackages, rangeProblems } from './release-ranges.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const unknown = args.filter((arg) => !['--dry-run', '--keep'].includes(arg));
if (unknown.length > 0) {
  fail(`unknown option ${unknown.join(' ')}. Usage: pnpm release [--dry-run [--keep]]`);
}
const dryRun = args.includes('--dry-run');
const keep = args.includes('--keep');
// Not copied into the dry run's folder: installed, built or cached files.
const NOT_COPIED = new Set(['node_modules', '.git', '.tools', '.cache', 'dist', 'build', 'coverage']);
const started = Date.now();

try {
  if (dryRun) await releaseDryRun();
  else await release();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

async function releaseDryRun() {
  const predicted = await nextVersions(root);
  const work = mkdtempSync(join(tmpdir(), 'stickycalls-release-'));
  const packs = join(work, '.packs');
  const copy = join(work, 'repo');
  // A dry run needs no token and must never use one.
  const env = withoutTokens(process.env);
  try {
    step(`Copying the repository into ${copy}`);
    const copied = copyRepository(root, copy);
    console.log(`  ${copied} files (tracked and new, as they are in the working tree)`);
    step('Installing from the pnpm store (offline)');
    install(copy, env, ['--frozen-lockfile']);
    const versions = versionAndCheck(copy, env);
    const wrong = [...predicted].filter(([name, version]) => versions.get(name) !== version);
    if (wrong.length > 0) {
      throw new Error(
        `changeset version gave ${wrong.map(([name]) => `${name}@${versions.get(name)}`).join(', ')}, but nextVersions() predicted ${wrong.map(([name, v]) => `${name}@${v}`).join(', ')}: scripts/release-ranges.mjs must compute versions as changesets does.`,
      );
    }
    build(copy, env);
    const tarballs = checkTarballs(copy, packs, env);
    step('pnpm publish --dry-run');
    for (const pkg of publishedPackages(copy)) {
      run('pnpm', ['publish', '--dry-run', '--no-git-checks', '--access', 'public'], { cwd: pkg.dir, env });
    }
    step('Dry run passed. `pnpm release` would publish:');
    for (const line of tarballs) console.log(`  ${line}`);
    console.log(
      '  (the packed-tarball tests, `pnpm -r test:package`, run in `pnpm check` and again before a real publish; `changeset publish` skips a version already on npm)',
    );
  } finally {
    if (keep) console.log(`Kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

async function release() {
  const auth = npmAuth();
  // Only npm's own commands get the token: building and testing never need it.
  const env = withoutTokens(process.env);
  const npmEnv = { ...env, ...auth.env };
  const packs = mkdtempSync(join(tmpdir(), 'stickycalls-release-packs-'));
  try {
    step('Checking the npm login');
    const who = spawnSync('npm', ['whoami'], { cwd: root, env: npmEnv, encoding: 'utf8' });
    if (who.status !== 0) {
      const why = auth.source
        ? `npm does not accept ${auth.source} (npm whoami: ${redact(npmReason(who.stderr), auth.token)})`
        : 'publishing needs an npm token, and none is set (NPM_TOKEN) nor is npm logged in';
      throw new Error(
        `${why}. Set NPM_TOKEN to an npm automation or granular access token allowed to publish the @stickycalls packages (or run \`npm login\`), then run \`pnpm release\` again. Nothing was changed; \`pnpm release --dry-run\` needs no token.`,
      );
    }
    console.log(`  publishing as ${who.stdout.trim()} (${auth.source || 'npm login'})`);

    const git = isGitCheckout(root);
    if (git && capture('git', ['status', '--porcelain'], { cwd: root }).trim() !== '') {
      throw new Error(
        'the working tree has changes. A release versions and commits what is committed: commit or set aside your changes first (`git status` lists them). Nothing was changed.',
      );
    }

    let versions;
    try {
      versions = versionAndCheck(root, env);
      build(root, env);
      checkTarballs(root, packs, env);
      step('Packed-tarball tests (pnpm -r test:package)');
      run('pnpm', ['-r', 'test:package'], { cwd: root, env });
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\nNothing was published. The new versions are in the working tree, not committed: fix the problem and run \`pnpm release\` again after committing them, or undo them with git (\`git status\` lists what changed).`,
      );
    }
    // Nothing to commit when no changeset was pending (publishing what is already versioned).
    if (git && capture('git', ['status', '--porcelain'], { cwd: root }).trim() !== '') {
      step('Committing the release');
      run('git', ['add', '-A'], { cwd: root, env });
      run('git', ['commit', '-m', `Release ${[...new Set(versions.values())].join(', ')}`], {
        cwd: root,
        env,
      });
    }
    step('changeset publish');
    run('pnpm', ['exec', 'changeset', 'publish'], { cwd: root, env: npmEnv });
    step(`Released ${[...versions].map(([name, v]) => `${name}@${v}`).join(', ')}`);
    if (git) console.log('  Push the release commit and its tags: git push --follow-tags');
  } finally {
    auth.cleanup();
    rmSync(packs, { recursive: true, force: true });
  }
}

/**
 * `changeset version`, the lockfile, and the ranges the examples and READMEs give.
 * @returns {Map<string, string>} the versions to publish
 */
function versionAndCheck(dir, env) {
  step('changeset version');
  run('pnpm', ['exec', 'changeset', 'version'], { cwd: dir, env });
  step('Updating the lockfile');
  install(dir, env, ['--no-frozen-lockfile']);
  const versions = new Map(publishedPackages(dir).map((pkg) => [pkg.name, pkg.version]));
  console.log(`  versions: ${[...versions].map(([name, v]) => `${name}@${v}`).join(', ')}`);
  step("The examples' and READMEs' ranges");
  const problems = rangeProblems(dir, versions);
  if (problems.length > 0) {
    throw new Error(
      `the examples or READMEs would not install these versions:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  console.log('  every range accepts them');
  return versions;
}

function build(dir, env) {
  step('Building the packages');
  runQuiet('pnpm', ['run', 'build:packages'], { cwd: dir, env });
}

/**
 * Packs each package as pnpm publishes it (`workspace:` ranges replaced), then runs
 * publint and attw on that tarball. attw's strict profile checks every resolution mode
 * (node10, node16 from CommonJS and from ESM, bundler); its node16 and esm-only profiles
 * are the same checks with some modes ignored, so passing strict passes them all.
 * @returns {string[]} one line per package: name, version, tarball size, file count
 */
function checkTarballs(dir, packs, env) {
  mkdirSync(packs, { recursive: true });
  const lines = [];
  for (const pkg of publishedPackages(dir)) {
    step(`${pkg.name}@${pkg.version}: publint and attw`);
    const packed = JSON.parse(
      capture('pnpm', ['pack', '--json', '--pack-destination', packs], { cwd: pkg.dir, env }),
    );
    const tarball = packed.filename;
    run('pnpm', ['exec', 'publint', 'run', tarball, '--strict'], { cwd: pkg.dir, env });
    run('pnpm', ['exec', 'attw', tarball, '--profile', 'strict', '--format', 'table-flipped'], {
      cwd: pkg.dir,
      env,
    });
    const kB = (statSync(tarball).size / 1000).toFixed(1);
    lines.push(`${pkg.name}@${pkg.version}: ${basename(tarball)}, ${kB} kB, ${packed.files.length} files`);
  }
  return lines;
}

/** Offline from pnpm's store first (fast, and CI installed the same lockfile moments ago). */
function install(dir, env, flags) {
  const offline = spawnSync(pnpmCommand(), [...pnpmArgs(), 'install', '--offline', ...flags], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  if (offline.status === 0) return;
  console.log('  not everything is in the pnpm store: installing with the registry');
  runQuiet('pnpm', ['install', '--prefer-offline', ...flags], { cwd: dir, env });
}

/**
 * Copies the files git knows (tracked, and new files not ignored) as they are in the
 * working tree, so uncommitted changes are part of the dry run. Without git, copies
 * everything but installed and built folders.
 * @returns {number} files copied
 */
function copyRepository(from, to) {
  const listed = isGitCheckout(from)
    ? capture('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: from })
        .split('\0')
        .filter(Boolean)
    : [...walk(from, from)];
  let count = 0;
  for (const path of listed) {
    const source = join(from, path);
    if (!existsSync(source) || !lstatSync(source).isFile()) continue; // deleted, or a link
    mkdirSync(dirname(join(to, path)), { recursive: true });
    copyFileSync(source, join(to, path));
    count += 1;
  }
  return count;
}

function* walk(dir, base) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!NOT_COPIED.has(entry.name)) yield* walk(join(dir, entry.name), base);
    } else if (entry.isFile()) {
      yield relative(base, join(dir, entry.name));
    }
  }
}

/**
 * The token npm publishes with. NPM_TOKEN goes into a temporary npm config file as
 * `${NPM_TOKEN}` (npm expands it), so the token itself is never written to disk. Without
 * one, npm's own login (`npm login`) is used.
 */
function npmAuth() {
  const name = process.env.NPM_TOKEN ? 'NPM_TOKEN' : process.env.NODE_AUTH_TOKEN ? 'NODE_AUTH_TOKEN' : '';
  if (!name) return { source: '', token: '', env: {}, cleanup() {} };
  const token = process.env[name] ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'stickycalls-npmrc-'));
  const file = join(dir, 'npmrc');
  writeFileSync(file, `//registry.npmjs.org/:_authToken=\${NPM_TOKEN}\n`, { mode: 0o600 });
  return {
    source: name,
    token,
    env: { NPM_TOKEN: token, npm_config_userconfig: file, NPM_CONFIG_USERCONFIG: file },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function withoutTokens(env) {
  const { NPM_TOKEN: _npm, NODE_AUTH_TOKEN: _node, ...rest } = env;
  return rest;
}

function redact(text, token) {
  return token ? text.split(token).join('***') : text;
}

// npm's reason in one line ("403 Forbidden - GET …/whoami"), without its log file's path.
function npmReason(stderr) {
  const lines = String(stderr ?? '')
    .split('\n')
    .filter((line) => /^npm (error|ERR!) /.test(line))
    .map((line) => line.replace(/^npm (error|ERR!) /, '').trim())
    .filter((line) => line && !line.startsWith('code ') && !line.startsWith('A complete log'));
  return lines[0] ?? 'no reason given';
}

function isGitCheckout(dir) {
  const result = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'true';
}

// The pnpm running this script (`pnpm release` sets npm_execpath), else the one on PATH.
function pnpmCommand() {
  return /pnpm/.test(basename(process.env.npm_execpath ?? '')) ? process.execPath : 'pnpm';
}

function pnpmArgs() {
  return pnpmCommand() === 'pnpm' ? [] : [process.env.npm_execpath];
}

function resolve(cmd, cmdArgs) {
  return cmd === 'pnpm' ? [pnpmCommand(), [...pnpmArgs(), ...cmdArgs]] : [cmd, cmdArgs];
}

function run(cmd, cmdArgs, options) {
  const [file, all] = resolve(cmd, cmdArgs);
  const result = spawnSync(file, all, { ...options, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
  }
}

// For steps whose output is long and only useful when they fail.
function runQuiet(cmd, cmdArgs, options) {
  const [file, all] = resolve(cmd, cmdArgs);
  const result = spawnSync(file, all, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
  }
}

function capture(cmd, cmdArgs, options) {
  const [file, all] = resolve(cmd, cmdArgs);
  const result = spawnSync(file, all, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stderr.write(result.stderr ?? '');
    throw new Error(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
  }
  return result.stdout;
}

function step(title) {
  console.log(`\n== ${title} (at ${seconds()} s)`);
}

function seconds() {
  return ((Date.now() - started) / 1000).toFixed(0);
}

function fail(message) {
  console.error(`\npnpm release${dryRun ? ' --dry-run' : ''}: ${message}`);
  process.exit(1);
}

/**
 * `npm run make:plugin` (scripts/make-plugin.mjs) as an admin uses it: the folder it makes
 * is installed with npm from the registry and built with the Flex Plugins CLI's own build,
 * `flex-plugin build` from `@twilio/flex-plugin-scripts` 7.1.2 (what `twilio
 * flex:plugins:build` and `deploy` run), which must refuse a save URL the plugin cannot use
 * as the repository's build does. The bundle is checked with scripts/check-bundle.mjs.
 *
 * Slow (an install of about 1,600 packages: about 3 minutes from a cold npm cache, 20 s
 * from a warm one), so it runs with the package tests. Everything is written in the
 * system's temporary folder, the Twilio CLI's home (~/.twilio-cli) included.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const example = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(example, '..', '..');
const makePlugin = join(root, 'scripts', 'make-plugin.mjs');
const GOOD_URL = 'https://sticky-calls-1234-dev.twil.io/save-context';
const INSTALL_TIMEOUT_MS = 600_000;

let scratch = '';
let plugin = '';
/** The environment of npm and the CLI: a home of their own (the CLI writes ~/.twilio-cli). */
let env = {};

/** Runs make-plugin (the packages are built: `pnpm build` ran before the package tests). */
function make(args, cwd = scratch) {
  const clean = { ...process.env };
  delete clean.INIT_CWD;
  return spawnSync(process.execPath, [makePlugin, ...args, '--no-build'], {
    cwd,
    env: clean,
    encoding: 'utf8',
  });
}

function npm(args, cwd, timeout = INSTALL_TIMEOUT_MS) {
  return spawnSync('npm', args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout,
    shell: process.platform === 'win32',
  });
}

/** `npx flex-plugin build` in the plugin's folder with `url` in its .env. */
function cliBuild(url) {
  writeFileSync(join(plugin, '.env'), `FLEX_APP_SAVE_CONTEXT_URL=${url}\n`);
  rmSync(join(plugin, 'build'), { recursive: true, force: true });
  return npm(['exec', '--no', '--', 'flex-plugin', 'build'], plugin, 300_000);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'stickycalls-make-plugin-'));
  const home = join(scratch, 'home');
  mkdirSync(home);
  // npm keeps its cache and the user's settings (the registry) where they were.
  const npmConfig = (key) =>
    execFileSync('npm', ['config', 'get', key], {
      encoding: 'utf8',
      shell: process.platform === 'win32',
    }).trim();
  env = {
    ...process.env,
    HOME: home,
    USERPROFILE: home,
    npm_config_cache: npmConfig('cache'),
    npm_config_userconfig: npmConfig('userconfig'),
    npm_config_update_notifier: 'false',
  };
  for (const key of Object.keys(env)) if (/^(FLEX|REACT)_APP_|^TWILIO_PROFILE$/i.test(key)) delete env[key];
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm run make:plugin', () => {
  it('makes a folder of its own: the CLI template’s dependencies, the packed packages, a standalone tsconfig', () => {
    const made = make(['plugin']);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    plugin = join(scratch, 'plugin');
    // The next commands, the folder named as the caller gave it.
    expect(made.stdout).toContain('  cd plugin\n  npm install\n  cp .env.example .env');
    expect(made.stdout).toContain('twilio flex:plugins:deploy --major');

    const source = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(plugin, 'package.json'), 'utf8'));
    const vendor = readdirSync(join(plugin, 'vendor')).sort();
    expect(vendor).toEqual([
      expect.stringMatching(/^stickycalls-core-\d+\.\d+\.\d+.*\.tgz$/),
      expect.stringMatching(/^stickycalls-flex-react-\d+\.\d+\.\d+.*\.tgz$/),
    ]);
    expect(pkg).toEqual({
      name: 'plugin-sticky-calls',
      version: source.version,
      private: true,
      description: source.description,
      scripts: { typecheck: 'tsc --noEmit -p tsconfig.json' },
      dependencies: {
        '@stickycalls/core': `file:vendor/${vendor[0]}`,
        '@stickycalls/flex-react': `file:vendor/${vendor[1]}`,
        '@twilio/flex-plugin': source.dependencies['@twilio/flex-plugin'],
        '@twilio/flex-plugin-scripts': '7.1.2',
        react: source.dependencies.react,
        'react-dom': source.dependencies['react-dom'],
      },
      devDependencies: {
        '@twilio/flex-ui': source.devDependencies['@twilio/flex-ui'],
        '@types/react': source.devDependencies['@types/react'],
        typescript: source.devDependencies.typescript,
        webpack: source.devDependencies.webpack,
      },
    });

    const tsconfig = JSON.parse(readFileSync(join(plugin, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ jsx: 'react', strict: true, noEmit: true });
    expect(readdirSync(plugin).sort()).toEqual([
      '.env.example',
      '.gitignore',
      'README.md',
      'package.json',
      'public',
      'src',
      'tsconfig.json',
      'vendor',
      'webpack.config.js',
      'webpack.dev.js',
    ]);
    for (const file of ['src/index.ts', 'src/StickyCallsPlugin.tsx', 'webpack.config.js', '.env.example']) {
      expect(readFileSync(join(plugin, file), 'utf8')).toBe(readFileSync(join(example, file), 'utf8'));
    }
    expect(readdirSync(join(plugin, 'public'))).toEqual(['appConfig.example.js']);
    expect(readFileSync(join(plugin, '.gitignore'), 'utf8')).toMatch(/^node_modules\/$/m);
  });

  it('refuses a folder that is not empty unless --force, and one inside the repository', () => {
    const again = make(['plugin']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('is not empty: choose an empty or new folder, or add --force');

    writeFileSync(join(plugin, 'stale.txt'), 'from an earlier copy');
    writeFileSync(join(plugin, '.env'), `FLEX_APP_SAVE_CONTEXT_URL=${GOOD_URL}\n`);
    const forced = make(['plugin', '--force']);
    expect(forced.status).toBe(0);
    expect(existsSync(join(plugin, 'stale.txt'))).toBe(false);
    expect(readFileSync(join(plugin, '.env'), 'utf8')).toContain(GOOD_URL);

    const inside = make([join(root, 'examples', 'plugin-copy')]);
    expect(inside.status).toBe(1);
    expect(existsSync(join(root, 'examples', 'plugin-copy'))).toBe(false);
  });

  it('--from-npm keeps the published ranges and packs nothing', () => {
    const made = make(['from-npm', '--from-npm']);
    expect(made.status).toBe(0);
    const source = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(scratch, 'from-npm', 'package.json'), 'utf8'));
    expect(pkg.dependencies['@stickycalls/flex-react']).toBe(source.dependencies['@stickycalls/flex-react']);
    expect(pkg.dependencies['@stickycalls/core']).toBeUndefined();
    expect(existsSync(join(scratch, 'from-npm', 'vendor'))).toBe(false);
  });

  it(
    'installs from the npm registry and builds with flex-plugin build, refusing an http:// save URL',
    () => {
      expect(plugin).not.toBe('');
      // Not part of the folder an admin gets: a workaround for registry mirrors that list no
      // version of `fs` (npm's placeholder `fs@0.0.1-security`, which
      // @k88/typescript-compile-error-formatter asks for, though it only uses Node's own fs).
      // On registry.npmjs.org the placeholder installs; this stub stands in for it either way.
      const stub = join(plugin, '.stub-fs');
      mkdirSync(stub);
      writeFileSync(join(stub, 'package.json'), '{ "name": "fs", "version": "0.0.1-security" }\n');
      const pkgPath = join(plugin, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      writeFileSync(pkgPath, JSON.stringify({ ...pkg, overrides: { fs: 'file:./.stub-fs' } }, null, 2));

      const started = Date.now();
      const installed = npm(
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
        plugin,
      );
      const installSeconds = (Date.now() - started) / 1000;
      expect(installed.stderr).not.toMatch(/npm error/);
      expect(installed.status).toBe(0);
      // The packed packages, not the registry's.
      const installedCore = JSON.parse(
        readFileSync(join(plugin, 'node_modules', '@stickycalls', 'core', 'package.json'), 'utf8'),
      );
      expect(installedCore.version).toBe(
        JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).version,
      );
      expect(existsSync(join(plugin, 'node_modules', '@stickycalls', 'flex-react', 'node_modules'))).toBe(
        false,
      );

      const buildStarted = Date.now();
      const built = cliBuild(GOOD_URL);
      const buildSeconds = (Date.now() - buildStarted) / 1000;
      expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
      expect(built.stdout).toContain('Plugin plugin-sticky-calls was successfully compiled.');
      const bundle = join(plugin, 'build', 'plugin-sticky-calls.js');
      const checked = spawnSync(process.execPath, [join(example, 'scripts', 'check-bundle.mjs'), bundle], {
        encoding: 'utf8',
      });
      expect(checked.stderr).toBe('');
      expect(checked.status).toBe(0);
      expect(checked.stdout).toContain(`save URL: ${GOOD_URL}`);
      // The CLI's own build: its version stamp, where the repository's build writes "N/A".
      expect(readFileSync(bundle, 'utf8')).toContain('"@twilio/flex-plugin-scripts":"7.1.2"');

      const refused = cliBuild('http://sticky-calls-1234-dev.twil.io/save-context');
      expect(refused.status).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain(
        'FLEX_APP_SAVE_CONTEXT_URL=http://sticky-calls-1234-dev.twil.io/save-context uses http://',
      );
      expect(existsSync(bundle)).toBe(false);

      const typecheck = npm(['run', 'typecheck'], plugin, 120_000);
      expect(typecheck.status, `${typecheck.stdout}\n${typecheck.stderr}`).toBe(0);

      console.log(
        `make-plugin: npm install ${installSeconds.toFixed(0)} s, flex-plugin build ${buildSeconds.toFixed(0)} s`,
      );
    },
    INSTALL_TIMEOUT_MS + 360_000,
  );
});

/**
 * The repository's build (scripts/build.mjs, which runs the plugin's webpack.config.js hook
 * as `flex-plugin build` does) with each kind of FLEX_APP_SAVE_CONTEXT_URL: one the plugin
 * cannot use fails the build, naming the variable, the problem and the fix, and leaves no
 * bundle; a good one is in the bundle; none builds the panel alone, with a warning.
 *
 * Each build runs in a copy of the example in the system's temporary folder (its
 * node_modules linked to the example's), so a developer's own .env, which wins over the
 * environment, plays no part, and the working tree is left as it was.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const example = join(dirname(fileURLToPath(import.meta.url)), '..');
let copy = '';

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'stickycalls-plugin-build-'));
  for (const entry of ['src', 'scripts', 'package.json', 'webpack.config.js']) {
    cpSync(join(example, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(example, 'node_modules'), join(copy, 'node_modules'), 'junction');
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** Builds the copy with `url` in its .env (none: no .env), as `pnpm --filter plugin-sticky-calls build` does. */
function build(url) {
  rmSync(join(copy, '.env'), { force: true });
  if (url !== undefined) writeFileSync(join(copy, '.env'), `FLEX_APP_SAVE_CONTEXT_URL=${url}\n`);
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(FLEX|REACT)_APP_|^TWILIO_PROFILE$/i.test(key)) delete env[key];
  const run = (script, ...args) =>
    spawnSync(process.execPath, [join(copy, 'scripts', script), ...args], {
      cwd: copy,
      env,
      encoding: 'utf8',
    });
  const built = run('build.mjs');
  const checked = built.status === 0 ? run('check-bundle.mjs') : undefined;
  return { built, checked, bundle: join(copy, 'build', 'plugin-sticky-calls.js') };
}

describe('the plugin build and FLEX_APP_SAVE_CONTEXT_URL', () => {
  it.each([
    [
      'http:// to a Twilio domain',
      'http://sticky-calls-1234-dev.twil.io/save-context',
      'uses http://, but the agent’s Flex token is sent to it: use https://',
    ],
    ['a URL without a path', 'https://sticky-calls-1234-dev.twil.io', 'has no path'],
    ['not a URL', 'sticky-calls-1234-dev.twil.io/save-context', 'is not a URL'],
  ])('refuses %s: the variable, the problem and the fix, and no bundle', (_name, url, problem) => {
    const { built, bundle } = build(url);
    expect(built.status).toBe(1);
    expect(built.stderr).toContain(`FLEX_APP_SAVE_CONTEXT_URL=${url} ${problem}`);
    expect(built.stderr).toContain('e.g. https://sticky-calls-1234-dev.twil.io/save-context');
    expect(built.stderr).toContain('Set it in .env');
    // One line, not a stack trace.
    expect(built.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(bundle)).toBe(false);
  });

  it('builds with an https:// URL, which the bundle carries', () => {
    const url = 'https://sticky-calls-1234-dev.twil.io/save-context';
    const { built, checked, bundle } = build(url);
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(checked?.status).toBe(0);
    expect(checked?.stdout).toContain(`save URL: ${url}`);
    expect(readFileSync(bundle, 'utf8')).toContain(JSON.stringify(url));
  });

  it('builds with http://localhost (local development)', () => {
    const { built } = build('http://localhost:3000/save-context');
    expect(built.status).toBe(0);
  }, 120_000);

  it('builds without a URL, with a warning: the panel alone', () => {
    const { built, checked } = build(undefined);
    expect(built.status).toBe(0);
    expect(built.stderr).toContain('FLEX_APP_SAVE_CONTEXT_URL is not set (.env)');
    expect(checked?.stdout).toContain('save URL: none');
  }, 120_000);
});

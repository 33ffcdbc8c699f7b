/**
 * Secrets: the built packages hold none of the suite's secrets (the API key, the agent's
 * Flex token, the account's auth token and the Basic auth header made of it), and the
 * browser bundle a Flex plugin ships (flex-react's build with the core it imports,
 * bundled as packages/flex-react/bench/size.mjs does) has no API-key handling at all:
 * the key lives in the Functions only. That every log line, response body and error of
 * every file (what twilio-run printed included) is free of the secrets is checked by
 * setup.ts when each file ends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILDS } from './global-setup.js';
import { SECRETS } from './kit.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** What handling an API key would look like in the browser bundle. */
const KEY_HANDLING = [/authorization/i, /bearer/i, /api_?key/i, /STICKY_CALLS_API_KEY/i, /sk_(test|prod)_/];

let browserBundle = '';
beforeAll(async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'packages/flex-react/dist/index.js')],
    bundle: true,
    minify: false,
    format: 'esm',
    target: 'es2019',
    platform: 'browser',
    mainFields: ['module', 'main'],
    external: ['react', 'react-dom'],
    write: false,
    logLevel: 'silent',
  });
  browserBundle = result.outputFiles[0]?.text ?? '';
});

describe('the browser bundle (flex-react with the core it imports)', () => {
  it('is the real bundle: it holds the save path and the core’s attribute reader', () => {
    expect(browserBundle.length).toBeGreaterThan(20_000);
    expect(browserBundle).toContain('sticky_calls_wrapup');
    expect(browserBundle).toContain('Token');
  });

  it.each(KEY_HANDLING.map((pattern) => [String(pattern), pattern] as const))(
    'has no API-key handling: %s',
    (_name, pattern) => {
      const hit = pattern.exec(browserBundle);
      const around = hit === null ? '' : browserBundle.slice(Math.max(0, hit.index - 120), hit.index + 120);
      expect(around, 'found in the browser bundle').toBe('');
    },
  );

  it.each(SECRETS.map((secret) => [secret] as const))('does not hold %s', (secret) => {
    expect(browserBundle).not.toContain(secret);
  });
});

describe('the built packages', () => {
  const files = [
    ...BUILDS,
    'packages/core/dist/index.cjs',
    'packages/twilio-function-adapter/dist/index.cjs',
    'packages/flex-react/dist/index.cjs',
  ];
  it.each(files.map((file) => [file] as const))('%s holds none of the secrets', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});

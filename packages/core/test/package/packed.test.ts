/**
 * The package as users get it: the packed tarball installed into a scratch project
 * with npm, then required and imported and called, on Node 20 and Node 22.
 * Runs after `build` (see vitest.package.config.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'acorn';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { installPacked } from '../../../../scripts/packed.mjs';

const packageDir = resolve(import.meta.dirname, '../..');

const CALLS = `
  const server = await startEmulatorServer();
  try {
    const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: server.url, timeout: 3000 });
    const first = await sticky.calls.start({ call_id: 'CA1', identity_hints: { ani: '+14155551234' } });
    await sticky.calls.end({ call_id: 'CA1', customer_ref: first.customer_ref, intent: 'refund', intent_status: 'open', variables: { name: 'Jo' } });
    const second = await sticky.calls.start({ call_id: 'CA2', identity_hints: { ani: '+14155551234' } });
    server.emulator.inject({ type: 'status', status: 401 });
    const error = await sticky.calls.start({ call_id: 'CA3', identity_hints: { ani: '+14155551234' } }).catch((e) => e);
    const view = readCallerContext(toTaskAttributes(second));
    console.log(JSON.stringify({
      node: process.versions.node.split('.')[0],
      returning: second.customer_ref === first.customer_ref,
      intents: second.open_intents,
      name: view.state === 'ready' ? view.context.vars.name : null,
      guard: isStickyCallsError(error, AuthenticationError),
    }));
  } finally {
    await server.close();
  }
`;

let scratch = '';
let app = '';

beforeAll(() => {
  ({ scratch, app } = installPacked([packageDir]));
  writeFileSync(
    join(app, 'calls.cjs'),
    `const { createStickyCallsClient, toTaskAttributes, readCallerContext, isStickyCallsError, AuthenticationError } = require('@stickycalls/core');
const { startEmulatorServer, EMULATOR_API_KEY } = require('@stickycalls/core/testing');
(async () => {${CALLS}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  writeFileSync(
    join(app, 'calls.mjs'),
    `import { createStickyCallsClient, toTaskAttributes, readCallerContext, isStickyCallsError, AuthenticationError } from '@stickycalls/core';
import { startEmulatorServer, EMULATOR_API_KEY } from '@stickycalls/core/testing';
${CALLS}`,
  );
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['20', () => process.execPath],
  ['22', () => node22Binary() as string],
])('installed from the tarball, on Node %s', (major, nodeBinary) => {
  it.each(['calls.cjs', 'calls.mjs'])('%s: the client works against the emulator', (script) => {
    const output = execFileSync(nodeBinary(), [script], { cwd: app, encoding: 'utf8' });
    const result = JSON.parse(output.trim());
    expect(result).toEqual({
      node: major,
      returning: true,
      intents: [{ intent: 'refund', status: 'open', attempt_count: 1 }],
      name: 'Jo',
      guard: true,
    });
  });
});

describe('Node takes the Node build, a browser bundle the ES2019 one', () => {
  it('require and import resolve to dist/node on Node', () => {
    const required = execFileSync(process.execPath, ['-p', "require.resolve('@stickycalls/core')"], {
      cwd: app,
      encoding: 'utf8',
    });
    const imported = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('@stickycalls/core'))"],
      { cwd: app, encoding: 'utf8' },
    );
    expect(required.trim().replaceAll('\\', '/')).toMatch(/@stickycalls\/core\/dist\/node\/index\.cjs$/);
    expect(imported.trim()).toMatch(/@stickycalls\/core\/dist\/node\/index\.js$/);
  });

  it('a browser bundle of the installed package takes the ES2019 build', async () => {
    const result = await build({
      stdin: { contents: "export { readCallerContext } from '@stickycalls/core';", resolveDir: app },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((file) => file.replaceAll('\\', '/'));
    expect(inputs.some((file) => file.includes('@stickycalls/core/dist/'))).toBe(true);
    expect(inputs.filter((file) => file.includes('/dist/node/'))).toEqual([]);
  });
});

describe('what a browser can import compiles to ES2019', () => {
  const files = [
    'dist/index.js',
    'dist/index.cjs',
    ...readdirSync(join(packageDir, 'dist'))
      .filter((f) => /^chunk-.*\.js$/.test(f))
      .map((f) => `dist/${f}`),
    ...readdirSync(join(packageDir, 'dist/internal'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `dist/internal/${f}`),
  ];
  it.each(files)('%s parses as ES2019', (file) => {
    const source = readFileSync(join(packageDir, file), 'utf8');
    expect(() =>
      parse(source, { ecmaVersion: 2019, sourceType: file.endsWith('.cjs') ? 'script' : 'module' }),
    ).not.toThrow();
  });

  it.each(files)('%s loads nothing but its own files: ky and zod are bundled, compiled alike', (file) => {
    const source = readFileSync(join(packageDir, file), 'utf8');
    expect(source).not.toMatch(/\bfrom\s*["'](?!\.)/);
    expect(source).not.toMatch(/\brequire\(["'](?!\.)/);
  });
});

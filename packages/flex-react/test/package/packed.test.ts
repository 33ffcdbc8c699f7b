/**
 * The package as users get it: the packed tarballs of core and flex-react installed
 * with React 17 from the registry into a scratch project, then required, imported,
 * rendered (react-dom/server) and registered against a minimal Flex stand-in, on
 * Node 20 and Node 22. Also: every built file is ES2019 (Flex plugin builds use
 * webpack 4, which does not transpile dependencies), imports nothing but React and
 * the core, and the bundle stays within its size budget. Runs after `build`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { installPacked } from '../../../../scripts/packed.mjs';
// @ts-expect-error: a plain .mjs script of this package, without types
import { BUDGET_BYTES, measure } from '../../bench/size.mjs';

const packageDir = resolve(import.meta.dirname, '../..');
const coreDir = resolve(packageDir, '../core');

const USE = `
  const attributes = {
    from: '+14155551234',
    call_sid: 'CA0123456789abcdef0123456789abcdef',
    ...toTaskAttributes({
      call_id: 'CA0123456789abcdef0123456789abcdef',
      customer_ref: 'cust_1',
      call_start: '2026-02-07T10:30:00.000Z',
      identity: { confidence: 0.9, level: 'very_high', sources: ['ani:mobile'], recommendation: 'reuse' },
      open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
      variables: { name: { value: '<b>Jo</b>', source: null, ttl_seconds: 60 } },
    }),
  };
  const task = { taskSid: 'WT0123456789abcdef0123456789abcdef', status: 'assigned', taskChannelUniqueName: 'voice', attributes };
  const html = renderToStaticMarkup(React.createElement(CallerContextPanel, { task }));
  const added = [];
  const listeners = [];
  const slot = { add: (element, options) => { added.push(element.key); return () => added.splice(added.indexOf(element.key), 1); }, remove() {} };
  const flex = {
    TaskCanvas: { Content: slot },
    Actions: { addListener: (name, fn) => listeners.push(name), removeListener: (name) => listeners.splice(listeners.indexOf(name), 1) },
    Notifications: { registerNotification() {}, showNotification() {}, dismissNotificationById() {} },
  };
  const manager = { user: { token: 'token' }, strings: {} };
  const remove = registerCallerContext(flex, manager, { saveContextUrl: 'https://example.twil.io/save-context' });
  const registered = { added: [...added], listeners: [...listeners], strings: Object.keys(manager.strings).length > 0 };
  remove();
  console.log(JSON.stringify({
    node: process.versions.node.split('.')[0],
    react: React.version,
    known: html.includes('Known caller'),
    escaped: html.includes('&lt;b&gt;Jo&lt;/b&gt;') && !html.includes('<b>Jo'),
    registered,
    removed: { added, listeners, strings: Object.keys(manager.strings).length },
  }));
`;

let scratch = '';
let app = '';

beforeAll(() => {
  ({ scratch, app } = installPacked([coreDir, packageDir], ['react@17.0.2', 'react-dom@17.0.2']));
  writeFileSync(
    join(app, 'use.cjs'),
    `const React = require('react');
const { renderToStaticMarkup } = require('react-dom/server');
const { toTaskAttributes } = require('@stickycalls/core');
const { CallerContextPanel, registerCallerContext } = require('@stickycalls/flex-react');
${USE}`,
  );
  writeFileSync(
    join(app, 'use.mjs'),
    `import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server.js'; // React 17 has no exports map
import { toTaskAttributes } from '@stickycalls/core';
import { CallerContextPanel, registerCallerContext } from '@stickycalls/flex-react';
${USE}`,
  );
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['20', () => process.execPath],
  ['22', () => node22Binary() as string],
])('installed from the tarball with React 17, on Node %s', (major, nodeBinary) => {
  it.each(['use.cjs', 'use.mjs'])(
    '%s: renders the panel and registers into Flex, then removes it all',
    (script) => {
      const output = execFileSync(nodeBinary(), [script], { cwd: app, encoding: 'utf8' });
      expect(JSON.parse(output.trim())).toEqual({
        node: major,
        react: '17.0.2',
        known: true,
        escaped: true,
        registered: {
          added: ['sticky-calls-panel', 'sticky-calls-wrap-up'],
          listeners: ['beforeCompleteTask', 'afterCompleteTask'],
          strings: true,
        },
        removed: { added: [], listeners: [], strings: 0 },
      });
    },
  );
});

describe('what a Flex plugin build gets', () => {
  const files = readdirSync(join(packageDir, 'dist'))
    .filter((file) => /\.c?js$/.test(file))
    .map((file) => `dist/${file}`);

  it('has an ESM and a CommonJS build', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs']));
  });

  it.each(files)('%s parses as ES2019', (file) => {
    const source = readFileSync(join(packageDir, file), 'utf8');
    expect(() =>
      parse(source, { ecmaVersion: 2019, sourceType: file.endsWith('.cjs') ? 'script' : 'module' }),
    ).not.toThrow();
  });

  it.each(files)('%s imports only react and @stickycalls/core (no Flex, no JSX runtime)', (file) => {
    const source = readFileSync(join(packageDir, file), 'utf8');
    const ast = parse(source, { ecmaVersion: 2019, sourceType: file.endsWith('.cjs') ? 'script' : 'module' });
    const specifiers = moduleSpecifiers(ast);
    expect(new Set(specifiers.filter((s) => !s?.startsWith('.')))).toEqual(
      new Set(['react', '@stickycalls/core']),
    );
  });

  it('stays within the size budget: 21 KB gzipped, minified, React and the core external', async () => {
    const sizes = await measure();
    console.log(
      `flex-react: ${sizes.own.gzipped} B gzipped alone (budget ${BUDGET_BYTES} B); ` +
        `${sizes.withCore.gzipped} B with @stickycalls/core's build; ${sizes.withCoreIdeal.gzipped} B with the core tree-shaken from source`,
    );
    expect(sizes.own.gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    // The core's ESM build is split so a bundler drops what the panel does not use (the
    // HTTP client, ky): it must stay within 2 KB of the core tree-shaken from source.
    expect(sizes.withCore.gzipped - sizes.withCoreIdeal.gzipped).toBeLessThan(2048);
  });
});

/** Every module an AST loads: import/export-from declarations and `require('…')` calls. */
function moduleSpecifiers(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const child of node) moduleSpecifiers(child, found);
    return found;
  }
  if (typeof node !== 'object' || node === null) return found;
  const n = node as {
    type?: string;
    source?: { value?: unknown };
    callee?: { type?: string; name?: string };
    arguments?: { value?: unknown }[];
  };
  if (
    /^(Import|ExportNamed|ExportAll)Declaration$/.test(n.type ?? '') &&
    typeof n.source?.value === 'string'
  ) {
    found.push(n.source.value);
  }
  if (n.type === 'CallExpression' && n.callee?.type === 'Identifier' && n.callee.name === 'require') {
    const first = n.arguments?.[0]?.value;
    if (typeof first === 'string') found.push(first);
  }
  for (const value of Object.values(node)) if (typeof value === 'object') moduleSpecifiers(value, found);
  return found;
}

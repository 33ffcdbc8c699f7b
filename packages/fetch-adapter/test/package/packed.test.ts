/**
 * The handlers as a user gets them: the packed core and adapter installed with npm into
 * a scratch project, imported and required, and called against the core's emulator
 * server, on Node 20 and Node 22: as a fetch handler, as a `node:http` listener and as a
 * Lambda handler. And the main entry bundled for a Worker: no Node module in it.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { installPacked } from '../../../../scripts/packed.mjs';

const packageDir = resolve(import.meta.dirname, '../..');
const coreDir = resolve(packageDir, '../core');

const CALLS = `
  const server = await startEmulatorServer();
  const authToken = '0123456789abcdef0123456789abcdef';
  const env = { AUTH_TOKEN: authToken, STICKY_CALLS_API_KEY: EMULATOR_API_KEY, STICKY_CALLS_BASE_URL: server.url };
  const sign = (url, params) =>
    createHmac('sha1', authToken)
      .update(Object.keys(params).sort().reduce((text, name) => text + name + params[name], url))
      .digest('base64');
  const form = (url, params, signature = sign(url, params)) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  try {
    const handler = createCallerContextHandler({ env, logger: { info() {}, warn() {}, error() {} } });
    const params = { CallSid: 'CA' + '1'.repeat(32), From: '+14155551234' };
    const url = 'https://hooks.example.com/caller-context';
    const fetched = await handler(new Request(url, form(url, params)));
    const unsigned = await handler(new Request(url, form(url, params, 'forged')));

    const http = createServer(toNodeListener(handler));
    await new Promise((done) => http.listen(0, '127.0.0.1', done));
    const local = 'http://127.0.0.1:' + http.address().port + '/caller-context';
    const served = await fetch(local, form(local, { ...params, CallSid: 'CA' + '2'.repeat(32) }));
    await new Promise((done) => http.close(done));

    const host = 'abc.lambda-url.us-east-1.on.aws';
    const lambdaUrl = 'https://' + host + '/caller-context';
    const init = form(lambdaUrl, { ...params, CallSid: 'CA' + '3'.repeat(32) });
    const lambda = await toLambdaHandler(handler)({
      version: '2.0', routeKey: '$default', rawPath: '/caller-context', rawQueryString: '',
      headers: { host, ...init.headers },
      requestContext: { domainName: host, http: { method: 'POST', path: '/caller-context', protocol: 'HTTP/1.1', sourceIp: '54.172.60.1' } },
      body: init.body, isBase64Encoded: false,
    });
    console.log(JSON.stringify({
      node: process.versions.node.split('.')[0],
      fetch: [fetched.status, (await fetched.json()).sticky_calls.status],
      unsigned: unsigned.status,
      node_http: [served.status, (await served.json()).sticky_calls.status],
      lambda: [lambda.statusCode, JSON.parse(lambda.body).sticky_calls.status],
    }));
  } finally {
    await server.close();
  }
`;
const IMPORTS = [
  ['createCallerContextHandler', '@stickycalls/fetch-adapter'],
  ['toNodeListener', '@stickycalls/fetch-adapter/node'],
  ['toLambdaHandler', '@stickycalls/fetch-adapter/lambda'],
  ['startEmulatorServer, EMULATOR_API_KEY', '@stickycalls/core/testing'],
  ['createHmac', 'node:crypto'],
  ['createServer', 'node:http'],
];

let scratch = '';
let app = '';

beforeAll(() => {
  ({ scratch, app } = installPacked([coreDir, packageDir]));
  writeFileSync(
    join(app, 'handlers.cjs'),
    `${IMPORTS.map(([names, from]) => `const { ${names} } = require('${from}');`).join('\n')}
(async () => {${CALLS}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  writeFileSync(
    join(app, 'handlers.mjs'),
    `${IMPORTS.map(([names, from]) => `import { ${names} } from '${from}';`).join('\n')}\n${CALLS}`,
  );
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['20', () => process.execPath],
  ['22', () => node22Binary() as string],
])('installed from the tarballs, on Node %s', (major, nodeBinary) => {
  it.each(['handlers.cjs', 'handlers.mjs'])(
    '%s: answers as a fetch handler, a node:http listener and a Lambda',
    (script) => {
      const output = execFileSync(nodeBinary(), [script], { cwd: app, encoding: 'utf8' });
      expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({
        node: major,
        fetch: [200, 'ok'],
        unsigned: 403,
        node_http: [200, 'ok'],
        lambda: [200, 'ok'],
      });
    },
  );
});

it('bundles for a Worker from the installed package with no Node module in it', async () => {
  const result = await build({
    stdin: {
      contents: `import { createCallerContextHandler, createSaveContextHandler, createWrapupEventHandler } from '@stickycalls/fetch-adapter';
export default { handlers: [createCallerContextHandler(), createSaveContextHandler(), createWrapupEventHandler()] };`,
      resolveDir: app,
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(
    inputs.filter((input) => input.startsWith('node:') || /(^|\/)(http|https|net|crypto)$/.test(input)),
  ).toEqual([]);
  expect(inputs.some((input) => input.includes('@stickycalls/core'))).toBe(true);
  const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
  console.info(`fetch-adapter and core bundled for a Worker: ${bytes} bytes minified`);
  expect(bytes).toBeGreaterThan(0);
});

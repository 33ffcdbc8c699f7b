/**
 * The handlers as a Twilio Function gets them: the packed core and adapter installed
 * with npm into a scratch project, required (as the runtime does) and imported, and
 * called against the core's emulator server, on Node 20 and Node 22.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { installPacked } from '../../../../scripts/packed.mjs';

const packageDir = resolve(import.meta.dirname, '../..');
const coreDir = resolve(packageDir, '../core');

const CALLS = `
  const server = await startEmulatorServer();
  try {
    const context = createFakeContext({ STICKY_CALLS_API_KEY: EMULATOR_API_KEY, STICKY_CALLS_BASE_URL: server.url });
    const callSid = 'CA' + '1'.repeat(32);
    const start = await invoke(createCallerContextHandler(), { context, event: { CallSid: callSid, From: '+14155551234' } });
    const validateToken = stubTokenValidator({ token: { worker_sid: TEST_WORKER_SID } });
    // The call's task, completed, in a TaskRouter kept in memory (the option a custom runtime uses).
    const task = {
      attributes: JSON.stringify({ call_sid: callSid, from: '+14155551234', ...start.body }),
      assignmentStatus: 'completed',
      etag: '1',
    };
    const taskRouter = () => ({
      fetchTask: async () => task,
      findTasksByCall: async (sid) => (sid === callSid ? ['WT' + '1'.repeat(32)] : []),
      workerReservationStatuses: async () => ['completed'],
      updateAttributes: async (_sid, attributes) => {
        task.attributes = attributes;
        return 'updated';
      },
    });
    const save = await invoke(createSaveContextHandler({ validateToken, taskRouter }), {
      context,
      event: { Token: 'token', CallSid: callSid, CustomerRef: start.body.customer_ref, Intent: 'refund', IntentStatus: 'closed' },
    });
    const marked = JSON.parse(task.attributes).sticky_calls_wrapup.saved;
    server.emulator.inject({ type: 'hang', times: 5 });
    const slow = await invoke(createCallerContextHandler({ timeoutMs: 300 }), { context, event: { CallSid: 'CA2', From: '+14155551234' } });
    console.log(JSON.stringify({
      node: process.versions.node.split('.')[0],
      start: [start.statusCode, start.body.sticky_calls.status],
      save: [save.statusCode, save.body.status, save.headers['Access-Control-Allow-Origin'], marked],
      slow: [slow.statusCode, slow.body.sticky_calls.reason],
    }));
  } finally {
    await server.close();
  }
`;
const IMPORTS = [
  ['createCallerContextHandler, createSaveContextHandler', '@stickycalls/twilio-function-adapter'],
  [
    'invoke, createFakeContext, stubTokenValidator, TEST_WORKER_SID',
    '@stickycalls/twilio-function-adapter/testing',
  ],
  ['startEmulatorServer, EMULATOR_API_KEY', '@stickycalls/core/testing'],
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
    join(app, 'cold-start.cjs'),
    `// What a cold caller-context Function loads and sends with, as the runtime requires it.
globalThis.fetch = () => Promise.reject(new Error('globalThis.fetch was called'));
const { createCallerContextHandler } = require('@stickycalls/twilio-function-adapter');
const { invoke, createFakeContext } = require('@stickycalls/twilio-function-adapter/testing');
const { startEmulatorServer, EMULATOR_API_KEY } = require('@stickycalls/core/testing');
(async () => {
  const server = await startEmulatorServer();
  const context = createFakeContext({ STICKY_CALLS_API_KEY: EMULATOR_API_KEY, STICKY_CALLS_BASE_URL: server.url });
  const start = await invoke(createCallerContextHandler(), { context, event: { CallSid: 'CA' + '3'.repeat(32), From: '+14155551234' } });
  await server.close();
  console.log(JSON.stringify({
    status: start.body.sticky_calls.status,
    tokenValidatorLoaded: Object.keys(require.cache).some((file) => file.includes('twilio-flex-token-validator')),
  }));
})().catch((e) => { console.error(e); process.exit(1); });`,
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
  it.each(['handlers.cjs', 'handlers.mjs'])('%s: the handlers answer as in a Function', (script) => {
    const output = execFileSync(nodeBinary(), [script], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({
      node: major,
      start: [200, 'ok'],
      save: [200, 'saved', 'https://flex.twilio.com', true],
      slow: [200, 'timeout'],
    });
  });
});

it('a cold caller-context Function sends with node:http and never loads the token validator', () => {
  const output = execFileSync(process.execPath, ['cold-start.cjs'], { cwd: app, encoding: 'utf8' });
  expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({
    status: 'ok',
    tokenValidatorLoaded: false,
  });
});

/**
 * The built handlers in Twilio's own local runtime (`twilio-run`, with
 * `@twilio/runtime-handler` pinned exactly), driven over HTTP on 127.0.0.1. The Sticky
 * Calls API is the core's emulator on loopback; Twilio IAM, which cannot be reached
 * from tests, is answered by msw inside the runtime's processes (iam-preload.cjs).
 * Locally twilio-run enforces neither the 10 s limit nor request signatures, so the
 * tests check the handlers' own deadlines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';

const packageDir = resolve(import.meta.dirname, '../..');
const serviceDir = join(import.meta.dirname, '.service');
const twilioRun = join(packageDir, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js');
const WORKER = `WK${'1'.repeat(32)}`;
const TOKENS = {
  'flex-token-valid-31d8a2': { worker_sid: WORKER, roles: ['agent'], identity: 'ada' },
  'flex-token-admin-app-77aa': { roles: ['admin'], identity: 'integration' },
};
const SECRETS = [
  EMULATOR_API_KEY,
  'test-auth-token-9a7b',
  ...Object.keys(TOKENS),
  'flex-token-expired-0c0c',
  'flex-token-other-account-4e4e',
];
const CALLER = '+14155551234';

let api: EmulatorServer;

/** The example service: the three one-line Functions, requiring the built CommonJS entry. */
function writeService(): void {
  rmSync(serviceDir, { recursive: true, force: true });
  mkdirSync(join(serviceDir, 'functions'), { recursive: true });
  const entry = JSON.stringify(join(packageDir, 'dist', 'index.cjs'));
  writeFileSync(
    join(serviceDir, 'package.json'),
    JSON.stringify({
      name: 'stickycalls-runtime-test',
      private: true,
      dependencies: { '@twilio/runtime-handler': '2.1.0' },
    }),
  );
  writeFileSync(
    join(serviceDir, '.env'),
    [
      `ACCOUNT_SID=AC${'0'.repeat(32)}`,
      'AUTH_TOKEN=test-auth-token-9a7b',
      `STICKY_CALLS_API_KEY=${EMULATOR_API_KEY}`,
      `STICKY_CALLS_BASE_URL=${api.url}`,
      // twilio-run gives its Function processes only the .env: the IAM stand-in goes here.
      `NODE_OPTIONS=--require ${join(import.meta.dirname, 'iam-preload.cjs')}`,
      `IAM_TEST_TOKENS_FILE=${join(serviceDir, 'iam-tokens.json')}`,
    ].join('\n'),
  );
  writeFileSync(join(serviceDir, 'iam-tokens.json'), JSON.stringify(TOKENS));
  const functions: Record<string, string> = {
    'caller-context.protected.js': `exports.handler = require(${entry}).createCallerContextHandler({ timeoutMs: 1000 });`,
    'save-context.js': `exports.handler = require(${entry}).createSaveContextHandler({ allowedOrigin: 'https://flex.twilio.com' });`,
    'wrapup-event.protected.js': `exports.handler = require(${entry}).createWrapupEventHandler();`,
  };
  for (const [file, source] of Object.entries(functions))
    writeFileSync(join(serviceDir, 'functions', file), `${source}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Runtime {
  readonly url: string;
  readonly output: string[];
  stop(): Promise<void>;
}

/** Starts `twilio-run start` with the given Node binary and waits until it serves. */
async function startRuntime(nodeBinary: string): Promise<Runtime> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(nodeBinary, [twilioRun, 'start', '--port', String(port)], {
    cwd: serviceDir,
    env: { ...process.env, FORCE_COLOR: '0', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited: ${output.join('')}`);
    const ready = await fetch(`${url}/save-context`, { method: 'OPTIONS' }).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`twilio-run did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    output,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: 'https://flex.twilio.com', ...headers },
  body: JSON.stringify(body),
});

/** The call_id of the last request the API received. */
function lastCallId(): string {
  const body = api.emulator.requests.at(-1)?.body;
  if (typeof body !== 'object' || body === null || !('call_id' in body))
    throw new Error('no request reached the API');
  return String(body.call_id);
}

let sequence = 0;
const callSid = () => `CA${String(++sequence).padStart(32, '0')}`;

beforeAll(async () => {
  api = await startEmulatorServer();
  writeService();
});

afterAll(async () => {
  await api?.close();
  rmSync(serviceDir, { recursive: true, force: true });
});

describe.each([
  ['20', () => process.execPath],
  ['22', () => node22Binary() as string],
])('in twilio-run on Node %s', (_major, nodeBinary) => {
  let runtime: Runtime;
  beforeAll(async () => {
    api.emulator.reset();
    runtime = await startRuntime(nodeBinary());
  }, 90_000);
  afterAll(async () => {
    await runtime?.stop();
    // Every line the runtime and the Functions printed: no secret, no full number.
    const text = runtime?.output.join('') ?? '';
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\+\d{5,}/);
  });

  async function callerContext(fields: Record<string, string>) {
    const started = performance.now();
    const response = await fetch(
      `${runtime.url}/caller-context`,
      form({ CallSid: callSid(), From: CALLER, ...fields }),
    );
    const body = (await response.json()) as Record<string, unknown> & {
      sticky_calls: Record<string, unknown>;
    };
    return { status: response.status, body, ms: performance.now() - started };
  }

  async function saveContext(body: Record<string, unknown>) {
    const response = await fetch(`${runtime.url}/save-context`, json(body));
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      headers: response.headers,
    };
  }

  it('answers a new caller, then the same caller returning after an agent’s save', async () => {
    const first = await callerContext({});
    expect(first.status).toBe(200);
    expect(first.body.sticky_calls).toMatchObject({ status: 'ok', tier: 'ignore' });
    const callId = lastCallId();

    const saved = await saveContext({
      Token: 'flex-token-valid-31d8a2',
      call_id: callId,
      customer_ref: first.body.customer_ref,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { name: 'Ada' },
    });
    expect(saved).toMatchObject({ status: 200, body: { status: 'saved' } });
    expect(saved.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');

    const second = await callerContext({ line_type: 'mobile' });
    expect(second.body.customer_ref).toBe(first.body.customer_ref);
    expect(second.body.sticky_calls).toMatchObject({
      tier: 'reuse',
      intents: [{ intent: 'refund_request', status: 'open', attempts: 1 }],
      vars: { name: 'Ada' },
    });
  });

  it.each([
    ['a hanging API', { type: 'hang' }, 'timeout'],
    ['5xx', { type: 'status', status: 500 }, 'server_error'],
    ['429', { type: 'status', status: 429, retryAfter: 30 }, 'rate_limited'],
    ['401', { type: 'status', status: 401 }, 'unauthorized'],
    ['402', { type: 'status', status: 402 }, 'quota_exceeded'],
    ['malformed JSON', { type: 'malformed_json' }, 'invalid_response'],
    ['schema drift', { type: 'schema_drift' }, 'invalid_response'],
    ['dropped connections', { type: 'network_error' }, 'network_error'],
  ] as const)('degrades on %s, within its deadline', async (_name, fault, reason) => {
    api.emulator.inject({ ...fault, times: 10 });
    try {
      const answer = await callerContext({});
      expect(answer.status).toBe(200);
      expect(answer.body.sticky_calls).toMatchObject({ status: 'degraded', reason });
      // The handler's deadline is 1 s; a process is forked per request locally.
      expect(answer.ms).toBeLessThan(1000 + 2500);
    } finally {
      api.emulator.clearFaults();
    }
  });

  it('does not send a withheld caller as ani', async () => {
    const before = api.emulator.requests.length;
    const answer = await callerContext({ From: 'anonymous' });
    expect(answer.body.sticky_calls).toMatchObject({ status: 'degraded', reason: 'no_identity_hints' });
    expect(api.emulator.requests.length).toBe(before);
  });

  it.each([
    ['no token', undefined],
    ['an expired token', 'flex-token-expired-0c0c'],
    ['a token of another account', 'flex-token-other-account-4e4e'],
    ['a token that is not a worker’s', 'flex-token-admin-app-77aa'],
  ])('refuses a save with %s: 403 with CORS', async (_name, token) => {
    const answer = await saveContext({
      ...(token ? { Token: token } : {}),
      call_id: 'CA1',
      customer_ref: 'c',
      intent: 'x',
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ status: 'forbidden' });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
  });

  it("saves the vendor guide's field names once, and a repeat as already saved", async () => {
    const started = await callerContext({});
    const callId = lastCallId();
    const body = {
      Token: 'flex-token-valid-31d8a2',
      CallSid: callId,
      CustomerRef: started.body.customer_ref,
      Intent: 'billing_inquiry',
      IntentStatus: 'closed',
      AgentNotes: 'Explained the invoice',
      Disposition: 'resolved',
    };
    expect((await saveContext(body)).body).toMatchObject({ status: 'saved' });
    expect((await saveContext(body)).body).toMatchObject({ status: 'already_saved' });
    const ends = api.emulator.requests.filter(
      (r) => r.operation === 'end' && (r.body as { call_id: string }).call_id === callId,
    );
    expect(ends.map((r) => r.status)).toEqual([200, 409]);
    expect(ends[0]?.body).toMatchObject({
      intent_status: 'resolved',
      variables: { summary: 'Explained the invoice' },
    });
  });

  it('answers 400 naming the bad fields', async () => {
    const answer = await saveContext({
      Token: 'flex-token-valid-31d8a2',
      customer_ref: 'c',
      variables: { a: { b: 1 } },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('call_id');
  });

  it('saves an unsaved wrap-up from a TaskRouter event once, even when the event comes twice', async () => {
    const started = await callerContext({});
    const callId = lastCallId();
    const event = {
      EventType: 'task.completed',
      TaskSid: `WT${'2'.repeat(32)}`,
      TaskAttributes: JSON.stringify({
        call_sid: callId,
        [WRAP_UP_ATTRIBUTE_KEY]: {
          call_id: callId,
          customer_ref: started.body.customer_ref,
          intent: 'move',
          saved: false,
        },
      }),
    };
    const first = await fetch(`${runtime.url}/wrapup-event`, form(event));
    const second = await fetch(`${runtime.url}/wrapup-event`, form(event));
    expect([first.status, second.status]).toEqual([204, 204]);
    const ends = api.emulator.requests.filter(
      (r) => r.operation === 'end' && (r.body as { call_id: string }).call_id === callId,
    );
    // Locally each request is a new process, so the second delivery meets the API's 409.
    expect(ends.map((r) => r.status)).toEqual([200, 409]);
  });
});

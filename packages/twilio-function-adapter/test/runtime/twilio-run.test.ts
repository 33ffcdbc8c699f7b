/**
 * The built handlers in Twilio's own local runtime (`twilio-run`, with
 * `@twilio/runtime-handler` pinned exactly), driven over HTTP on 127.0.0.1. The Sticky
 * Calls API is the core's emulator on loopback. Twilio IAM and TaskRouter, which cannot
 * be reached from tests, are answered by msw inside the runtime's processes
 * (twilio-preload.cjs): IAM from a token list, TaskRouter by the test's TaskRouter
 * stand-in on loopback, so the save Function's real Twilio client (the one
 * `context.getTwilioClient()` gives) makes every request. Locally twilio-run enforces
 * neither the 10 s limit nor request signatures, so the tests check the handlers' own
 * deadlines.
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
import {
  createTaskRouterStandIn,
  serveTaskRouter,
  type TaskRouterStandIn,
} from '../../src/testing/taskrouter.js';

const packageDir = resolve(import.meta.dirname, '../..');
const serviceDir = join(import.meta.dirname, '.service');
const twilioRun = join(packageDir, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js');
const WORKER = `WK${'1'.repeat(32)}`;
const OTHER_WORKER = `WK${'2'.repeat(32)}`;
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
// twilio-run's getTwilioClient() wants a 32-character auth token.
const AUTH_TOKEN = 'test-auth-token-9a7b5c3d1e0f2a4b';
const WORKSPACE_SID = `WS${'3'.repeat(32)}`;
const AGENT = 'flex-token-valid-31d8a2';
/**
 * The agent's token sized as Flex's are (a JWE of about a kilobyte), sent in the URL by
 * one test: the runtime's request log prints it, so it is not one of the secrets below.
 */
const URL_TOKEN = `eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..${'dG9rZW4'.repeat(120)}.dGFn`;
const TOKENS = {
  [AGENT]: { worker_sid: WORKER, roles: ['agent'], identity: 'ada' },
  [URL_TOKEN]: { worker_sid: WORKER, roles: ['agent'], identity: 'ada' },
  'flex-token-other-agent-5b5b': { worker_sid: OTHER_WORKER, roles: ['agent'], identity: 'grace' },
  'flex-token-admin-app-77aa': { roles: ['admin'], identity: 'integration' },
};
const SECRETS = [
  EMULATOR_API_KEY,
  AUTH_TOKEN,
  Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'),
  ...Object.keys(TOKENS).filter((token) => token !== URL_TOKEN),
  'flex-token-expired-0c0c',
  'flex-token-other-account-4e4e',
];
const CALLER = '+14155551234';

let api: EmulatorServer;
let taskRouter: TaskRouterStandIn;
let taskRouterServer: Awaited<ReturnType<typeof serveTaskRouter>>;

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
      `ACCOUNT_SID=${ACCOUNT_SID}`,
      `AUTH_TOKEN=${AUTH_TOKEN}`,
      `TWILIO_WORKSPACE_SID=${WORKSPACE_SID}`,
      `STICKY_CALLS_API_KEY=${EMULATOR_API_KEY}`,
      `STICKY_CALLS_BASE_URL=${api.url}`,
      // twilio-run gives its Function processes only the .env: the Twilio stand-ins go here.
      `NODE_OPTIONS=--require ${join(import.meta.dirname, 'twilio-preload.cjs')}`,
      `IAM_TEST_TOKENS_FILE=${join(serviceDir, 'iam-tokens.json')}`,
      `TASKROUTER_TEST_URL=${taskRouterServer.url}`,
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
  taskRouter = createTaskRouterStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
  });
  taskRouterServer = await serveTaskRouter(taskRouter);
  writeService();
});

afterAll(async () => {
  await api?.close();
  await taskRouterServer?.close();
  rmSync(serviceDir, { recursive: true, force: true });
});

const ends = (callId: string) =>
  api.emulator.requests.filter(
    (r) => r.operation === 'end' && (r.body as { call_id: string }).call_id === callId,
  );
const taskUpdates = (taskSid: string) =>
  taskRouter.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Tasks/${taskSid}`));

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

  /** A call as it reaches an agent: Studio ran caller-context, Send to Flex made the task. */
  async function routedCall(worker = WORKER) {
    const started = await callerContext({});
    const callId = lastCallId();
    const taskSid = taskRouter.addTask({
      attributes: { type: 'inbound', call_sid: callId, from: CALLER, direction: 'inbound', ...started.body },
      assignmentStatus: 'wrapping',
      reservations: [{ workerSid: worker, status: 'wrapping' }],
    });
    return { callId, taskSid, customerRef: started.body.customer_ref, started };
  }
  const complete = (taskSid: string) => taskRouter.setStatus(taskSid, 'completed', 'completed');
  const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { name: 'Ada' } };

  it('stores a wrap-up before completion and saves it after; the caller returns with it', async () => {
    const first = await routedCall();
    expect(first.started.status).toBe(200);
    expect(first.started.body.sticky_calls).toMatchObject({ status: 'ok', tier: 'ignore' });

    const stored = await saveContext({
      Token: AGENT,
      TaskSid: first.taskSid,
      action: 'store',
      wrap_up: WRAP_UP,
    });
    expect(stored).toMatchObject({
      status: 200,
      body: { status: 'stored', call_id: first.callId, saveable: true },
    });
    expect(stored.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    expect(ends(first.callId)).toEqual([]);

    const early = await saveContext({ Token: AGENT, TaskSid: first.taskSid, wrap_up: WRAP_UP });
    expect(early).toMatchObject({ status: 409, body: { status: 'not_completed', retryable: true } });
    expect(ends(first.callId)).toEqual([]);

    complete(first.taskSid);
    const saved = await saveContext({ Token: AGENT, TaskSid: first.taskSid, wrap_up: WRAP_UP });
    expect(saved).toMatchObject({
      status: 200,
      body: { status: 'saved', call_id: first.callId, customer_ref: first.customerRef },
    });
    // The save Function adds when the contact happened: the call's start, as call start gave it.
    const callStart = (first.started.body.sticky_calls as { call_start?: unknown }).call_start;
    expect(typeof callStart === 'string' && !Number.isNaN(Date.parse(callStart))).toBe(true);
    expect(ends(first.callId).map((r) => r.body)).toEqual([
      {
        call_id: first.callId,
        customer_ref: first.customerRef,
        ...WRAP_UP,
        variables: { ...WRAP_UP.variables, last_contact_at: callStart },
      },
    ]);
    expect(taskRouter.attributes(first.taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: true });

    const second = await callerContext({ line_type: 'mobile' });
    expect(second.body.customer_ref).toBe(first.customerRef);
    expect(second.body.sticky_calls).toMatchObject({
      tier: 'reuse',
      intents: [{ intent: 'refund_request', status: 'open', attempts: 1 }],
      vars: { name: 'Ada' },
    });
  });

  it('refuses a save naming another call than its task’s: 403, nothing saved or written', async () => {
    const mine = await routedCall();
    const theirs = await routedCall(OTHER_WORKER);
    complete(mine.taskSid);
    complete(theirs.taskSid);
    const before = taskRouter.requests.length;
    const forged = await saveContext({
      Token: AGENT,
      TaskSid: mine.taskSid,
      call_id: theirs.callId,
      customer_ref: theirs.customerRef,
      wrap_up: WRAP_UP,
    });
    expect(forged).toMatchObject({ status: 403, body: { status: 'forbidden', code: 'other_call' } });
    expect(forged.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    // Another agent's call, named the vendor guide's way: this worker holds none of its tasks.
    const guide = await saveContext({
      Token: AGENT,
      CallSid: theirs.callId,
      Intent: 'x',
      IntentStatus: 'open',
    });
    expect(guide).toMatchObject({ status: 403, body: { status: 'forbidden', code: 'no_task' } });
    const task = await saveContext({ Token: AGENT, TaskSid: theirs.taskSid, wrap_up: WRAP_UP });
    expect(task).toMatchObject({ status: 403, body: { status: 'forbidden', code: 'no_reservation' } });
    expect([...ends(mine.callId), ...ends(theirs.callId)]).toEqual([]);
    expect(taskRouter.requests.slice(before).filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('keeps what another writer put on the task while the wrap-up was stored (If-Match, 412)', async () => {
    const { taskSid } = await routedCall();
    taskRouter.beforeNextUpdate((sid) =>
      taskRouter.write(sid, (attributes) => ({ ...attributes, transfer_note: 'kept' })),
    );
    const stored = await saveContext({ Token: AGENT, TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(stored).toMatchObject({ status: 200, body: { status: 'stored' } });
    expect(taskRouter.attributes(taskSid)).toMatchObject({
      transfer_note: 'kept',
      [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'refund_request', saved: false },
    });
    expect(taskUpdates(taskSid).map((r) => r.status)).toEqual([412, 200]);
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
    ['no token', undefined, 'no_token'],
    ['an expired token', 'flex-token-expired-0c0c', 'invalid_token'],
    ['a token of another account', 'flex-token-other-account-4e4e', 'invalid_token'],
    ['a token that is not a worker’s', 'flex-token-admin-app-77aa', 'not_a_worker'],
  ])('refuses a save with %s: 403 with CORS', async (_name, token, code) => {
    const answer = await saveContext({
      ...(token ? { Token: token } : {}),
      TaskSid: `WT${'9'.repeat(32)}`,
      wrap_up: WRAP_UP,
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ status: 'forbidden', code });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
  });

  it("saves the vendor guide's field names, finding the task from the call; a repeat does not reach the API", async () => {
    const { callId, taskSid, customerRef } = await routedCall();
    complete(taskSid);
    const body = {
      Token: AGENT,
      CallSid: callId,
      CustomerRef: customerRef,
      Intent: 'billing_inquiry',
      IntentStatus: 'closed',
      AgentNotes: 'Explained the invoice',
      Disposition: 'resolved',
    };
    expect((await saveContext(body)).body).toMatchObject({ status: 'saved', call_id: callId });
    // The task says this very wrap-up was saved: the repeat does not reach the API.
    expect((await saveContext(body)).body).toMatchObject({ status: 'saved', call_id: callId });
    // Another wrap-up for the call: the task says one was saved before.
    expect((await saveContext({ ...body, IntentStatus: 'open' })).body).toMatchObject({
      status: 'already_saved',
      call_id: callId,
    });
    expect(ends(callId).map((r) => r.status)).toEqual([200]);
    expect(ends(callId)[0]?.body).toMatchObject({
      intent_status: 'resolved',
      variables: { summary: 'Explained the invoice', disposition: 'resolved' },
    });
  });

  it('refuses a Flex token sent in the URL (request logs keep URLs); takes it from a JSON or form body', async () => {
    const { taskSid, callId } = await routedCall();
    complete(taskSid);
    const before = ends(callId).length;
    for (const request of [json({ TaskSid: taskSid, wrap_up: WRAP_UP }), form({ TaskSid: taskSid })]) {
      const inUrl = await fetch(`${runtime.url}/save-context?Token=${URL_TOKEN}`, request);
      expect(inUrl.status).toBe(400);
      expect(await inUrl.json()).toMatchObject({
        status: 'invalid',
        errors: [{ path: ['Token'], message: expect.stringContaining('never in the URL') }],
      });
    }
    expect(ends(callId).length).toBe(before);
    const inJson = await saveContext({ Token: URL_TOKEN, TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(inJson).toMatchObject({ status: 200, body: { status: 'saved', call_id: callId } });
    const inForm = await fetch(
      `${runtime.url}/save-context`,
      form({ Token: URL_TOKEN, TaskSid: taskSid, wrap_up: JSON.stringify(WRAP_UP) }),
    );
    expect(inForm.status).toBe(200);
    expect(await inForm.json()).toMatchObject({ status: 'saved', call_id: callId });
  });

  it('answers 400 naming the bad fields', async () => {
    const answer = await saveContext({ Token: AGENT, customer_ref: 'c', variables: { a: { b: 1 } } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      status: 'invalid',
      errors: [{ path: ['variables', 'a'], code: 'variable_value' }],
    });
    const noTask = await saveContext({ Token: AGENT, customer_ref: 'c', intent: 'x', intent_status: 'open' });
    expect(noTask.status).toBe(400);
    expect(JSON.stringify(noTask.body)).toContain('TaskSid');
  });

  it('saves an unsaved wrap-up from a TaskRouter event once, even when the event comes twice', async () => {
    const { callId, taskSid, customerRef } = await routedCall();
    const event = {
      EventType: 'task.completed',
      TaskSid: taskSid,
      TaskAttributes: JSON.stringify({
        ...taskRouter.attributes(taskSid),
        [WRAP_UP_ATTRIBUTE_KEY]: {
          call_id: callId,
          customer_ref: customerRef,
          intent: 'move',
          intent_status: 'open',
          saved: false,
        },
      }),
    };
    const first = await fetch(`${runtime.url}/wrapup-event`, form(event));
    // The safety net marked its save on the task, with If-Match.
    expect(taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({
      call_id: callId,
      intent: 'move',
      saved: true,
    });
    expect(taskUpdates(taskSid).map((r) => [r.status, r.ifMatch !== null])).toEqual([[200, true]]);
    const second = await fetch(`${runtime.url}/wrapup-event`, form(event));
    expect([first.status, second.status]).toEqual([204, 204]);
    // Locally each request is a new process: the second delivery finds the task marked saved.
    expect(ends(callId).map((r) => r.status)).toEqual([200]);
    // The agent's save of the same wrap-up, once the task completed: this very wrap-up, saved.
    complete(taskSid);
    const agent = await saveContext({
      Token: AGENT,
      TaskSid: taskSid,
      wrap_up: { intent: 'move', intent_status: 'open' },
    });
    expect(agent).toMatchObject({ status: 200, body: { status: 'saved', call_id: callId } });
    expect(ends(callId).map((r) => r.status)).toEqual([200]);
  });

  it('refuses a TaskRouter event whose wrap-up names another call than its task’s', async () => {
    const mine = await routedCall();
    const theirs = await routedCall(OTHER_WORKER);
    const event = {
      EventType: 'task.completed',
      TaskSid: mine.taskSid,
      TaskAttributes: JSON.stringify({
        ...taskRouter.attributes(mine.taskSid),
        [WRAP_UP_ATTRIBUTE_KEY]: {
          call_id: theirs.callId,
          customer_ref: theirs.customerRef,
          intent: 'x',
          intent_status: 'open',
        },
      }),
    };
    expect((await fetch(`${runtime.url}/wrapup-event`, form(event))).status).toBe(204);
    expect([...ends(mine.callId), ...ends(theirs.callId)]).toEqual([]);
  });
});

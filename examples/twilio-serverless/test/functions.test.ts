/**
 * The service's Functions as deployed: the files in functions/, required as the
 * runtime requires them, with a context as Twilio builds it (its `getTwilioClient()`
 * is the `twilio` client the runtime gives). Twilio IAM and TaskRouter cannot be reached
 * here, so msw answers at the HTTP boundary: IAM as the real one would (one agent's
 * token is valid, any other is not), TaskRouter with the adapter's TaskRouter stand-in.
 *
 * The save Function needs what the README says: `TWILIO_WORKSPACE_SID`, the account's
 * credentials (TaskRouter is read and written with them), and an agent who holds a
 * reservation on the task.
 *
 * The local demo lets its agent desk's token through with an IAM stand-in that it
 * preloads into twilio-run (examples/demo/src/twilio-preload.cjs). These tests show that
 * nothing in the service can enable that: a deployed-looking context with every demo
 * variable set still has the token checked by Twilio, and refused.
 */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { createFakeContext, invoke } from '@stickycalls/twilio-function-adapter/testing';
import {
  createTaskRouterStandIn,
  taskRouterHandlers,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const serviceDir = resolve(import.meta.dirname, '..');
const requireFromService = createRequire(join(serviceDir, 'package.json'));
type Handler = Parameters<typeof invoke>[0];
const load = (file: string) =>
  (requireFromService(join(serviceDir, 'functions', file)) as { handler: Handler }).handler;

const DEMO_TOKEN = 'demo-token-for-a-local-desk';
const AGENT_TOKEN = 'flex-token-of-an-agent';
const WORKER = `WK${'1'.repeat(32)}`;
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = 'a-32-character-auth-token-000000';
const WORKSPACE_SID = `WS${'c'.repeat(32)}`;
const taskRouter = createTaskRouterStandIn({
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  workspaceSid: WORKSPACE_SID,
});
// The `twilio` client the runtime gives through `context.getTwilioClient()` (@twilio/runtime-handler's).
const twilio = createRequire(
  realpathSync(join(serviceDir, 'node_modules', '@twilio', 'runtime-handler', 'package.json')),
)('twilio') as (accountSid: string, authToken: string, options: object) => unknown;

const iamAsked: string[] = [];
const twilioCloud = setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = (await request.json()) as { token: string };
    iamAsked.push(token);
    return token === AGENT_TOKEN
      ? HttpResponse.json({ valid: true, worker_sid: WORKER, roles: ['agent'], identity: 'ada' })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
  ...taskRouterHandlers(taskRouter),
);

let api: EmulatorServer;
let scratch = '';

beforeAll(async () => {
  twilioCloud.listen({ onUnhandledRequest: 'bypass' });
  api = await startEmulatorServer();
  scratch = mkdtempSync(join(tmpdir(), 'serverless-test-'));
});

afterAll(async () => {
  twilioCloud.close();
  await api.close();
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  taskRouter.reset();
  api.emulator.reset();
});

function deployedContext(extra: Record<string, unknown> = {}) {
  return createFakeContext({
    ACCOUNT_SID,
    AUTH_TOKEN,
    getTwilioClient: () => twilio(ACCOUNT_SID, AUTH_TOKEN, { lazyLoading: true }),
    DOMAIN_NAME: 'sticky-calls-1234-prod.twil.io',
    PATH: '/save-context',
    SERVICE_SID: `ZS${'a'.repeat(32)}`,
    ENVIRONMENT_SID: `ZE${'b'.repeat(32)}`,
    STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
    STICKY_CALLS_BASE_URL: api.url,
    TWILIO_WORKSPACE_SID: WORKSPACE_SID,
    ...extra,
  });
}

describe('the deployed Functions', () => {
  it('caller-context answers Studio with the caller context', async () => {
    const answer = await invoke(load('caller-context.protected.js'), {
      context: deployedContext({ PATH: '/caller-context' }),
      event: { From: '+14155551234', To: '+18005550100', CallSid: `CA${'1'.repeat(32)}` },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ sticky_calls: { v: 1, status: 'ok' } });
  });

  it('save-context checks the agent token with Twilio even when the demo’s variables are set', async () => {
    const tokensFile = join(scratch, 'iam-tokens.json');
    writeFileSync(
      tokensFile,
      JSON.stringify({ [DEMO_TOKEN]: { worker_sid: `WK${'0'.repeat(32)}`, roles: ['admin'] } }),
    );
    const before = process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
    process.env.STICKY_CALLS_DEMO_IAM_TOKENS = tokensFile;
    try {
      const answer = await invoke(load('save-context.js'), {
        context: deployedContext({ STICKY_CALLS_DEMO_IAM_TOKENS: tokensFile }),
        event: {
          Token: DEMO_TOKEN,
          call_id: `CA${'2'.repeat(32)}`,
          customer_ref: 'cust_1',
          intent: 'refund_request',
          intent_status: 'open',
          request: { headers: { origin: 'https://flex.twilio.com', 'content-type': 'application/json' } },
        },
      });
      expect(answer.statusCode).toBe(403);
      expect(iamAsked).toContain(DEMO_TOKEN);
      expect(api.emulator.usage.end).toBe(0);
      expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    } finally {
      if (before === undefined) delete process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
      else process.env.STICKY_CALLS_DEMO_IAM_TOKENS = before;
    }
  });

  it('save-context stores a wrap-up on the agent’s task, and saves it once the task completed', async () => {
    const save = load('save-context.js');
    const started = await invoke(load('caller-context.protected.js'), {
      context: deployedContext({ PATH: '/caller-context' }),
      event: { From: '+14155551234', To: '+18005550100', CallSid: `CA${'3'.repeat(32)}` },
    });
    // What Studio's Send to Flex puts on the task: the Function's answer and the call.
    const taskSid = taskRouter.addTask({
      attributes: { ...(started.body as object), call_sid: `CA${'3'.repeat(32)}`, from: '+14155551234' },
      assignmentStatus: 'wrapping',
      reservations: [{ workerSid: WORKER, status: 'wrapping' }],
    });
    // What the plugin sends: the task, the action, the wrap-up and the agent's token.
    const wrapUp = { intent: 'refund_request', intent_status: 'open', variables: { order_id: '4471' } };
    const post = (action: 'store' | 'save') =>
      invoke(save, {
        context: deployedContext(),
        event: {
          TaskSid: taskSid,
          action,
          wrap_up: wrapUp,
          Token: AGENT_TOKEN,
          request: { headers: { origin: 'https://flex.twilio.com', 'content-type': 'application/json' } },
        },
      });

    expect((await post('store')).body).toMatchObject({ status: 'stored', saveable: true });
    expect(taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: false });
    const early = await post('save');
    expect(early.statusCode).toBe(409);
    expect(early.body).toMatchObject({ status: 'not_completed' });
    expect(api.emulator.usage.end).toBe(0);

    taskRouter.setStatus(taskSid, 'completed', 'completed');
    const saved = await post('save');
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toMatchObject({ status: 'saved', call_id: `CA${'3'.repeat(32)}` });
    expect(api.emulator.usage.end).toBe(1);
    expect(taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: true });
    // Every write went to TaskRouter with the task's ETag, through the account's credentials.
    const writes = taskRouter.requests.filter((request) => request.method === 'POST');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((request) => request.ifMatch !== null && request.status === 200)).toBe(true);
  });

  it('save-context refuses a task the agent holds no reservation on, and answers 503 without TWILIO_WORKSPACE_SID', async () => {
    const save = load('save-context.js');
    const taskSid = taskRouter.addTask({
      attributes: {
        call_sid: `CA${'4'.repeat(32)}`,
        from: '+14155551234',
        sticky_calls: { v: 1, status: 'ok', customer_ref: 'cust_4', confidence: 0.9, tier: 'reuse' },
      },
      assignmentStatus: 'completed',
      reservations: [{ workerSid: `WK${'2'.repeat(32)}`, status: 'completed' }],
    });
    const event = {
      TaskSid: taskSid,
      wrap_up: { intent: 'billing_inquiry', intent_status: 'resolved' },
      Token: AGENT_TOKEN,
      request: { headers: { origin: 'https://flex.twilio.com', 'content-type': 'application/json' } },
    };
    const theirs = await invoke(save, { context: deployedContext(), event });
    expect(theirs.statusCode).toBe(403);
    expect(theirs.body).toMatchObject({ status: 'forbidden', code: 'no_reservation' });
    const unset = await invoke(save, {
      context: deployedContext({ TWILIO_WORKSPACE_SID: undefined }),
      event,
    });
    expect(unset.statusCode).toBe(503);
    expect(unset.body).toMatchObject({ status: 'not_configured' });
    expect(api.emulator.usage.end).toBe(0);
    expect(taskRouter.requests.filter((request) => request.method === 'POST')).toEqual([]);
  });

  it('has no demo switch anywhere in the service', () => {
    const files = [
      'package.json',
      '.env.example',
      ...readdirSync(join(serviceDir, 'functions')).map((f) => `functions/${f}`),
    ];
    for (const file of files) {
      const text = readFileSync(join(serviceDir, file), 'utf8');
      expect(text, file).not.toMatch(/DEMO|preload|NODE_OPTIONS/);
    }
  });

  it('pins @twilio/runtime-handler exactly and names the published adapter', () => {
    const pkg = JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@twilio/runtime-handler']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies['@stickycalls/twilio-function-adapter']).toMatch(/^\^\d+\.\d+\.\d+$/);
  });
});

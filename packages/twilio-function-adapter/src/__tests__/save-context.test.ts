import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createSaveContextHandler, type SaveContextHandlerOptions } from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import { AGENT_TOKEN, SUPERVISOR_TOKEN, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, server, context, startedCall } = useApi();
const TASK_SID = `WT${'a'.repeat(32)}`;
const validateToken = stubTokenValidator({
  [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'], identity: 'ada' },
  [SUPERVISOR_TOKEN]: { worker_sid: `WK${'b'.repeat(32)}`, roles: ['supervisor'] },
  'flex-token-not-a-worker': { roles: ['admin'] },
});
// Tokens named like Object.prototype's members are still unknown tokens.
const inherited = 'constructor';
const saver = (options: SaveContextHandlerOptions = {}) =>
  createSaveContextHandler({
    Response: FakeResponse,
    validateToken,
    client: { retry: { initialDelayMs: 10 } },
    ...options,
  });

/** A customer the emulator knows, from a real start. */

async function save(event: Record<string, unknown>, handler = saver(), ctx = context()) {
  return invoke(handler, { context: ctx, event: { Token: AGENT_TOKEN, ...event } });
}

describe('saving a wrap-up', () => {
  it('saves with the SDK’s names and answers saved, with CORS for Flex', async () => {
    const { callId, customerRef } = await startedCall();
    const answer = await save({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { amount: 20 },
    });
    expect(answer).toMatchObject({
      statusCode: 200,
      body: { status: 'saved', call_id: callId, customer_ref: customerRef },
      callbackCalls: 1,
    });
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    const customer = emulator.customers()[0];
    expect(customer?.intents.get('refund_request')).toEqual({ status: 'open', attemptCount: 1 });
    expect(customer?.variables.get('amount')?.value).toBe('20');
  });

  it("accepts the vendor guide's field names: closed is resolved, notes and disposition are saved", async () => {
    const { callId, customerRef } = await startedCall();
    const answer = await save({
      CallSid: callId,
      CustomerRef: customerRef,
      Intent: 'billing_inquiry',
      IntentStatus: 'closed',
      AgentNotes: 'Explained the invoice',
      Disposition: 'resolved',
    });
    expect(answer.body).toMatchObject({ status: 'saved' });
    expect(emulator.requests.at(-1)?.body).toEqual({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'billing_inquiry',
      intent_status: 'resolved',
      variables: { summary: 'Explained the invoice', disposition: 'resolved' },
    });
  });

  it('answers already_saved to a second save of the same call, and saves once', async () => {
    const { callId, customerRef } = await startedCall();
    const event = { call_id: callId, customer_ref: customerRef, intent: 'x', intent_status: 'open' };
    await save(event);
    const again = await save(event);
    expect(again).toMatchObject({ statusCode: 200, body: { status: 'already_saved', call_id: callId } });
    expect(emulator.customers()[0]?.intents.get('x')).toEqual({ status: 'open', attemptCount: 1 });
  });

  it('answers 400 naming each bad field, with CORS', async () => {
    const answer = await save({ CallSid: '', variables: { a: { nested: true } } });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    const paths = (answer.body as { errors: { path: string[] }[] }).errors.map((e) => e.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['call_id', 'variables.a']));
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['a retryable failure', { type: 'status', status: 503 } as const, true, 'server_error'],
    ['a refused key', { type: 'status', status: 401 } as const, false, 'unauthorized'],
  ])('answers 502 with the retryable flag for %s', async (_name, fault, retryable, code) => {
    const { callId, customerRef } = await startedCall();
    emulator.inject({ ...fault, times: 10 });
    const answer = await save(
      { call_id: callId, customer_ref: customerRef, intent: 'x' },
      saver({ timeoutMs: 1000 }),
    );
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable, code } });
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
  });

  it('answers 503 when STICKY_CALLS_API_KEY is missing', async () => {
    const answer = await save(
      { call_id: 'CA1', customer_ref: 'c', intent: 'x' },
      saver(),
      context({ STICKY_CALLS_API_KEY: '' }),
    );
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
  });
});

describe('one deadline for the whole answer', () => {
  it('answers within timeoutMs when the token check is slow and the API hangs', async () => {
    const { callId, customerRef } = await startedCall();
    emulator.inject({ type: 'hang', times: 10 });
    const slowCheck = async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { worker_sid: TEST_WORKER_SID, roles: ['agent'] };
    };
    const started = performance.now();
    const answer = await save(
      { call_id: callId, customer_ref: customerRef, intent: 'x' },
      saver({ timeoutMs: 1500, validateToken: slowCheck }),
    );
    expect(performance.now() - started).toBeLessThan(1500 + 500);
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'timeout' },
    });
  });

  it('answers a retryable 502 when the token check itself hangs', async () => {
    const hanging = () => new Promise<never>(() => undefined);
    const started = performance.now();
    const answer = await save(
      { call_id: 'CA1', customer_ref: 'c' },
      saver({ timeoutMs: 1000, validateToken: hanging }),
    );
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
  });
});

describe('set-up', () => {
  it.each([
    ['an origin with a trailing slash', { allowedOrigin: 'https://flex.twilio.com/' }, 'allowedOrigin'],
    ['no origin', { allowedOrigin: [] }, 'allowedOrigin'],
    ['a validateToken that is not a function', { validateToken: 'yes' }, 'validateToken'],
    ['a deadline past the platform’s', { timeoutMs: 12_000 }, 'timeoutMs'],
    ['broken client options', { client: { retry: { maxRetries: -1 } } }, 'retry.maxRetries'],
  ])('refuses %s when the handler is created', (_name, options, field) => {
    expect(() => createSaveContextHandler(options as never)).toThrow(field);
  });
});

describe('who may save', () => {
  it.each([
    ['no token', { Token: undefined }],
    ['an invalid or expired token', { Token: 'flex-token-expired' }],
    ['a token that is not a worker’s', { Token: 'flex-token-not-a-worker' }],
    ['a token named like an inherited property', { Token: inherited }],
  ])('refuses %s with 403 and CORS headers', async (_name, event) => {
    const answer = await save({ call_id: 'CA1', customer_ref: 'c', intent: 'x', ...event });
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toMatchObject({ status: 'forbidden', retryable: false });
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    expect(emulator.requests).toHaveLength(0);
  });

  it('lets a worker save a named task only when the access check agrees', async () => {
    const { callId, customerRef } = await startedCall();
    const canActOnTask = vi.fn(async ({ workerSid }: { workerSid: string }) => workerSid !== TEST_WORKER_SID);
    const answer = await save(
      { call_id: callId, customer_ref: customerRef, TaskSid: TASK_SID },
      saver({ canActOnTask }),
    );
    expect(answer.statusCode).toBe(403);
    expect(canActOnTask).toHaveBeenCalledWith(
      expect.objectContaining({ taskSid: TASK_SID, workerSid: TEST_WORKER_SID, roles: ['agent'] }),
    );
  });

  describe('the default rule: the task is this call’s and the worker holds a reservation on it, or a supervisor', () => {
    const twilioWith = (statuses: string[], callSidOfTask?: string) => ({
      taskrouter: {
        v1: {
          workspaces: () => ({
            tasks: () => ({
              fetch: async () => ({
                attributes: JSON.stringify(callSidOfTask ? { call_sid: callSidOfTask } : {}),
              }),
              reservations: {
                list: async () => statuses.map((reservationStatus) => ({ reservationStatus })),
              },
            }),
          }),
        },
      },
    });
    const ctx = (statuses: string[], options: { workspace?: string; callSidOfTask?: string } = {}) =>
      context({
        TWILIO_WORKSPACE_SID: options.workspace ?? `WS${'c'.repeat(32)}`,
        getTwilioClient: () => twilioWith(statuses, options.callSidOfTask),
      });

    it.each([
      [['wrapping'], 200],
      [['accepted'], 200],
      [['completed'], 200],
      [['rejected'], 403],
      [[], 403],
    ])('reservations %j → %i', async (statuses, status) => {
      const { callId, customerRef } = await startedCall();
      const answer = await save(
        { call_id: callId, customer_ref: customerRef, TaskSid: TASK_SID },
        saver(),
        ctx(statuses, { callSidOfTask: callId }),
      );
      expect(answer.statusCode).toBe(status);
    });

    it('refuses a task that belongs to another call', async () => {
      const { callId, customerRef } = await startedCall();
      const answer = await save(
        { call_id: callId, customer_ref: customerRef, TaskSid: TASK_SID },
        saver(),
        ctx(['wrapping'], { callSidOfTask: 'CA-another-call' }),
      );
      expect(answer.statusCode).toBe(403);
      expect(emulator.requests.filter((r) => r.operation === 'end')).toHaveLength(0);
    });

    it('lets a supervisor save any task', async () => {
      const { callId, customerRef } = await startedCall();
      const answer = await save(
        { Token: SUPERVISOR_TOKEN, call_id: callId, customer_ref: customerRef, TaskSid: TASK_SID },
        saver(),
        ctx([]),
      );
      expect(answer.statusCode).toBe(200);
    });

    it('answers not_configured, and logs what to set, without TWILIO_WORKSPACE_SID', async () => {
      const answer = await save(
        { call_id: 'CA1', customer_ref: 'c', TaskSid: TASK_SID },
        saver(),
        ctx(['wrapping'], { workspace: '' }),
      );
      expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
      expect(logged.some((line) => line.includes('TWILIO_WORKSPACE_SID'))).toBe(true);
    });

    it('answers a retryable 502 when TaskRouter cannot be reached', async () => {
      const broken = context({
        TWILIO_WORKSPACE_SID: `WS${'c'.repeat(32)}`,
        getTwilioClient: () => {
          throw new Error('TaskRouter unreachable');
        },
      });
      const answer = await save({ call_id: 'CA1', customer_ref: 'c', TaskSid: TASK_SID }, saver(), broken);
      expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
    });
  });

  it.each([
    ['a malformed TaskSid', { TaskSid: 'WT-not-a-sid' }],
    ['a TaskSid that is not a string', { TaskSid: ['WT1'] }],
    ['an empty TaskSid with a bad task_sid', { TaskSid: '', task_sid: 'WTbad' }],
  ])('answers 400 for %s', async (_name, fields) => {
    const answer = await save({ call_id: 'CA1', customer_ref: 'c', ...fields });
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('TaskSid');
  });

  it('echoes an allowed origin from a list', async () => {
    const handler = saver({ allowedOrigin: ['https://flex.twilio.com', 'https://agents.example.com'] });
    const answer = await save(
      { Token: undefined, request: { headers: { origin: 'https://agents.example.com' } } },
      handler,
    );
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://agents.example.com');
    const other = await save(
      { Token: undefined, request: { headers: { origin: 'https://evil.example.com' } } },
      handler,
    );
    expect(other.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
  });
});

describe("with Twilio's own token validator", () => {
  // Twilio IAM cannot be reached from tests: msw answers for it as IAM does.
  const iam = (valid: boolean) =>
    http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', async ({ request }) => {
      const { token } = (await request.json()) as { token: string };
      return valid && token === AGENT_TOKEN
        ? HttpResponse.json({ valid: true, worker_sid: TEST_WORKER_SID, roles: ['agent'], identity: 'ada' })
        : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
    });

  it('saves with a valid token', async () => {
    server.use(iam(true));
    const { callId, customerRef } = await startedCall();
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ call_id: callId, customer_ref: customerRef, intent: 'x' }, handler);
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
  });

  it('refuses an expired token', async () => {
    server.use(iam(false));
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ call_id: 'CA1', customer_ref: 'c', intent: 'x' }, handler);
    expect(answer).toMatchObject({ statusCode: 403, body: { status: 'forbidden' } });
  });

  it('answers not_configured when the Function has no account credentials to check tokens with', async () => {
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save(
      { call_id: 'CA1', customer_ref: 'c' },
      handler,
      context({ AUTH_TOKEN: undefined }),
    );
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
  });

  it('answers a retryable 502 when Twilio IAM cannot be reached', async () => {
    server.use(
      http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', () => HttpResponse.error()),
    );
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ call_id: 'CA1', customer_ref: 'c' }, handler);
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
  });
});

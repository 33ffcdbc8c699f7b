/**
 * The adapter's test kit: the core's emulator answering through msw for the Sticky
 * Calls API and a TaskRouter stand-in for TaskRouter (neither live service can be
 * reached from tests), the Twilio client the local runtime gives Functions, a test
 * context, and the secrets that must never be logged.
 */
import { createRequire } from 'node:module';
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { createEmulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createCallerContextHandler, type FunctionContext } from '../index.js';
import { createFakeContext, FakeResponse, invoke, TEST_WORKER_SID } from '../testing/index.js';
import { createTaskRouterStandIn, taskRouterHandlers } from '../testing/taskrouter.js';

export const API_KEY = 'sk_test_adapter_9f8e7d6c5b4a3928';
export const BASE_URL = 'https://api.stickycalls.test';
export const AGENT_TOKEN = 'flex-token-agent-7c1f0e9a2b';
export const OTHER_AGENT_TOKEN = 'flex-token-agent-other-3e5d71';
export const SUPERVISOR_TOKEN = 'flex-token-supervisor-5d2a8c';
export const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const AUTH_TOKEN = 'test-auth-token';
export const WORKSPACE_SID = `WS${'c'.repeat(32)}`;
export const OTHER_WORKER_SID = `WK${'e'.repeat(32)}`;
export const SUPERVISOR_WORKER_SID = `WK${'b'.repeat(32)}`;
/** The Basic auth header of the account: what a raw Twilio error would leak. */
const BASIC_AUTH = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
export const SECRETS = [API_KEY, AGENT_TOKEN, OTHER_AGENT_TOKEN, SUPERVISOR_TOKEN, AUTH_TOKEN, BASIC_AUTH];
export const CALLER = '+14155551234';

/**
 * The `twilio` package the local runtime (`@twilio/runtime-handler`, twilio-run) gives
 * `context.getTwilioClient()`: the save Function's TaskRouter requests go through the
 * real client, its HTTP answered by msw.
 */
const requireFromHere = createRequire(import.meta.url);
export const twilioClient = createRequire(requireFromHere.resolve('@twilio/runtime-handler/dev'))(
  'twilio',
) as (accountSid: string, authToken: string) => unknown;

export function useApi() {
  const emulator = createEmulator({ apiKeys: [API_KEY] });
  const taskRouter = createTaskRouterStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
  });
  const server = setupServer(...stickyCallsHandlers(emulator, BASE_URL), ...taskRouterHandlers(taskRouter));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    emulator.reset();
    taskRouter.reset();
  });
  afterAll(() => server.close());
  const context = (overrides: Record<string, unknown> = {}): FunctionContext =>
    createFakeContext({
      ACCOUNT_SID,
      AUTH_TOKEN,
      STICKY_CALLS_API_KEY: API_KEY,
      STICKY_CALLS_BASE_URL: BASE_URL,
      TWILIO_WORKSPACE_SID: WORKSPACE_SID,
      getTwilioClient: () => twilioClient(ACCOUNT_SID, AUTH_TOKEN),
      ...overrides,
    });
  /** A call the API has seen start, as the caller-context Function would have started it. */
  const startedCall = async () => {
    const callId = callSid();
    const response = await fetch(`${BASE_URL}/v1/calls/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ call_id: callId, identity_hints: { ani: CALLER } }),
    });
    const { customer_ref: customerRef } = (await response.json()) as { customer_ref: string };
    return { callId, customerRef };
  };
  /**
   * The attributes of a call's task as they reach Flex: the caller-context Function ran
   * at call start (Studio), and Send to Flex added the call's own keys.
   */
  const callTask = async ({ from = CALLER }: { from?: string } = {}) => {
    const callId = callSid();
    const started = await invoke(createCallerContextHandler({ Response: FakeResponse }), {
      context: context(),
      event: { CallSid: callId, From: from, To: '+18005550100' },
    });
    const callerContext = started.body as Record<string, unknown>;
    const attributes: Record<string, unknown> = {
      type: 'inbound',
      name: from,
      call_sid: callId,
      from,
      to: '+18005550100',
      direction: 'inbound',
      ...callerContext,
    };
    const namespaced = callerContext[ATTRIBUTE_KEY] as { customer_ref?: string | null } | undefined;
    return { callId, attributes, customerRef: namespaced?.customer_ref ?? null };
  };
  /** A call's task in TaskRouter, on which a worker holds a reservation. */
  const routedCall = async ({
    from = CALLER,
    workerSid = TEST_WORKER_SID,
    reservation = 'wrapping',
    assignmentStatus = 'wrapping',
  }: {
    from?: string;
    workerSid?: string;
    reservation?: string;
    assignmentStatus?: string;
  } = {}) => {
    const { callId, attributes, customerRef } = await callTask({ from });
    const taskSid = taskRouter.addTask({
      attributes,
      assignmentStatus,
      reservations: [{ workerSid, status: reservation }],
    });
    return { callId, taskSid, customerRef };
  };
  return { emulator, taskRouter, server, context, startedCall, callTask, routedCall };
}

let sequence = 0;
/** A fresh CallSid-shaped id. */
export function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}

/**
 * What every file of the suite shares: the recognisable secrets, the emulator and the
 * TaskRouter stand-in behind msw, a Function context that carries the key and reaches
 * TaskRouter through the real Twilio client, calls routed to an agent as Studio and
 * Send to Flex leave them, and the capture of everything the suite produces (response
 * bodies, errors) for the secrets scan in setup.ts.
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { createEmulator, type Emulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import {
  createCallerContextHandler,
  type FunctionContext,
  type FunctionHandler,
} from '@stickycalls/twilio-function-adapter';
import {
  createFakeContext,
  FakeResponse,
  type Invocation,
  invoke,
} from '@stickycalls/twilio-function-adapter/testing';
import {
  createTaskRouterStandIn,
  type TaskRouterStandIn,
  taskRouterHandlers,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The API key of the whole suite: the emulator accepts it, and it must never come out. */
export const API_KEY = 'sk_test_SECRETKEY_reliability_7f3a';
/** The agent's Flex token of the whole suite. */
export const FLEX_TOKEN = 'flex-token-SECRET-reliability-91c2';
/** The Twilio account of the Functions. */
export const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
/** Its auth token (32 characters, as twilio-run's `getTwilioClient()` wants them). */
export const AUTH_TOKEN = 'authtoken-SECRET-reliab-5e1a9c07';
/** The Basic auth header the Twilio client sends TaskRouter: what a raw Twilio error would leak. */
export const BASIC_AUTH = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
export const SECRETS = [API_KEY, FLEX_TOKEN, AUTH_TOKEN, BASIC_AUTH] as const;

export const BASE_URL = 'https://api.stickycalls.test';
export const CALLER = '+14155551234';
export const WORKER_SID = `WK${'1'.repeat(32)}`;
/** Another agent of the same contact centre. */
export const OTHER_WORKER_SID = `WK${'9'.repeat(32)}`;
export const WORKSPACE_SID = `WS${'c'.repeat(32)}`;

// ---------------------------------------------------------------------------
// Capture

/** Everything produced during a file: each is scanned for the secrets when the file ends. */
export const captured = { bodies: [] as string[], errors: [] as string[], logs: [] as string[] };

/** Records a response body (any shape) for the secrets scan. */
export function captureBody(body: unknown): void {
  captured.bodies.push(typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body)));
}

/** Records an error as every way it could reach a log: message, stack, JSON, inspect. */
export function captureError(error: unknown): void {
  const e = error as { message?: unknown; stack?: unknown; cause?: unknown } | null;
  captured.errors.push(
    [String(e?.message), String(e?.stack), safeJson(error), inspect(error, { depth: 6 })].join('\n'),
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Runs a Function handler with the adapter's kit and captures its answer. */
export async function run(
  handler: FunctionHandler,
  event: Record<string, unknown>,
  context: FunctionContext = functionContext(),
): Promise<Invocation> {
  const answer = await invoke(handler, { context, event, settleMs: 0 });
  captureBody(answer.body);
  if (answer.error !== null && answer.error !== undefined) captureError(answer.error);
  return answer;
}

/** Handler options every Function of the suite gets: errors are captured, retries are quick. */
export const handlerOptions = {
  onError: (error: unknown) => captureError(error),
  client: { retry: { initialDelayMs: 10, maxDelayMs: 50 } },
} as const;

// ---------------------------------------------------------------------------
// The API and TaskRouter

/**
 * The `twilio` package the local runtime (`@twilio/runtime-handler`, as twilio-run runs
 * it) gives `context.getTwilioClient()`: the save Function's TaskRouter requests go
 * through the real client, answered by the stand-in. Loaded on first use.
 */
let twilio: ((accountSid: string, authToken: string) => unknown) | undefined;
function twilioClient(accountSid = ACCOUNT_SID, authToken = AUTH_TOKEN): unknown {
  if (twilio === undefined) {
    const adapter = createRequire(import.meta.url).resolve(
      '@stickycalls/twilio-function-adapter/package.json',
    );
    const runtime = createRequire(adapter).resolve('@twilio/runtime-handler/dev');
    twilio = createRequire(runtime)('twilio') as typeof twilio;
  }
  return (twilio as NonNullable<typeof twilio>)(accountSid, authToken);
}

/** A Function context with the suite's key, the emulator's URL and TaskRouter's workspace. */
export function functionContext(overrides: Record<string, unknown> = {}): FunctionContext {
  return createFakeContext({
    ACCOUNT_SID,
    AUTH_TOKEN,
    STICKY_CALLS_API_KEY: API_KEY,
    STICKY_CALLS_BASE_URL: BASE_URL,
    TWILIO_WORKSPACE_SID: WORKSPACE_SID,
    getTwilioClient: () => twilioClient(),
    ...overrides,
  });
}

/** A TaskRouter stand-in for the suite's account and workspace. */
function taskRouterStandIn(): TaskRouterStandIn {
  return createTaskRouterStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
  });
}

/**
 * The emulator and the TaskRouter stand-in behind msw for this file. There is no
 * network: unhandled requests fail, except to the loopback servers a file starts itself.
 */
export function emulatedApi(...extra: RequestHandler[]): {
  emulator: Emulator;
  taskRouter: TaskRouterStandIn;
  server: ReturnType<typeof setupServer>;
} {
  const emulator = createEmulator({ apiKeys: [API_KEY] });
  const taskRouter = taskRouterStandIn();
  const server = setupServer(
    ...extra,
    ...stickyCallsHandlers(emulator, BASE_URL),
    ...taskRouterHandlers(taskRouter),
  );
  beforeAll(() => {
    server.listen({
      onUnhandledRequest: (request, print) => {
        if (new URL(request.url).hostname !== '127.0.0.1') print.error();
      },
    });
    // Loaded now, not inside the first Function's deadline.
    twilioClient();
  });
  afterEach(() => {
    server.resetHandlers();
    emulator.reset();
    taskRouter.reset();
  });
  afterAll(() => server.close());
  return { emulator, taskRouter, server };
}

let sequence = 0;
/** A fresh CallSid. */
export function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}

/** A call's task attributes, and what they name. */
export interface CallTask {
  readonly callId: string;
  readonly customerRef: string | null;
  readonly attributes: Record<string, unknown>;
}

/**
 * The attributes of a call's task as they reach Flex: the real caller-context Function
 * ran at call start (Studio, against the emulator behind msw), and Send to Flex added
 * the call's own keys.
 */
export async function callTask({
  callId = callSid(),
  from = CALLER,
}: {
  callId?: string;
  from?: string;
} = {}): Promise<CallTask> {
  const start = createCallerContextHandler({ ...handlerOptions, Response: FakeResponse });
  const started = await run(start, { CallSid: callId, From: from, To: '+18005550100' });
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
}

/** A call routed to an agent: its task in TaskRouter, with the agent's reservation on it. */
export interface RoutedCall extends CallTask {
  readonly taskSid: string;
}

/**
 * A call's task in the stand-in, on which `workerSid` holds a reservation. By default
 * the suite's agent is wrapping it up.
 */
export async function routedCall(
  taskRouter: TaskRouterStandIn,
  {
    workerSid = WORKER_SID,
    reservation = 'wrapping',
    assignmentStatus = 'wrapping',
    taskSid,
    ...call
  }: {
    workerSid?: string;
    reservation?: string;
    assignmentStatus?: string;
    taskSid?: string;
    callId?: string;
    from?: string;
  } = {},
): Promise<RoutedCall> {
  const task = await callTask(call);
  const sid = taskRouter.addTask({
    attributes: task.attributes,
    assignmentStatus,
    reservations: [{ workerSid, status: reservation }],
    ...(taskSid === undefined ? {} : { sid: taskSid }),
  });
  return { ...task, taskSid: sid };
}

/** The task completed, as TaskRouter has it once the agent's CompleteTask went ahead. */
export function completeTask(taskRouter: TaskRouterStandIn, taskSid: string): void {
  taskRouter.setStatus(taskSid, 'completed', 'completed');
}

/** A TaskRouter event (`task.completed`, …) carrying the task's attributes, as the safety net gets it. */
export function taskEvent(
  taskSid: string,
  attributes: Record<string, unknown>,
  type = 'task.completed',
): Record<string, string> {
  const event = { EventType: type, TaskSid: taskSid, TaskAttributes: JSON.stringify(attributes) };
  captureBody(event);
  return event;
}

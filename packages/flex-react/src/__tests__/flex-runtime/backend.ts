/**
 * What a Flex agent's browser talks to, for the tests on Flex's runtime: the save
 * Function at its URL, TaskRouter and the Sticky Calls API, all behind msw.
 *
 * The save Function is the real `createSaveContextHandler`, run in-process for each
 * request to {@link SAVE_URL} (as the Twilio runtime would run it), reaching TaskRouter
 * through the real `twilio` client the local runtime gives Functions. Stand-ins only
 * for what lives in Twilio's cloud or the vendor's: TaskRouter (the adapter's
 * stand-in, with ETags and `If-Match`), Twilio IAM (`stubTokenValidator`: the agents
 * below hold valid tokens, any other is refused) and the Sticky Calls API (core's
 * emulator).
 */
import { createRequire } from 'node:module';
import { ATTRIBUTE_KEY, createStickyCallsClient, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { createEmulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  type FunctionContext,
  type TokenResult,
} from '@stickycalls/twilio-function-adapter';
import {
  createFakeContext,
  FakeResponse,
  invoke,
  stubTokenValidator,
} from '@stickycalls/twilio-function-adapter/testing';
import {
  createTaskRouterStandIn,
  taskRouterHandlers,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const SAVE_URL = 'https://sticky-calls-1234.twil.io/save-context';
export const API_KEY = 'sk_test_flex_runtime_4c7d1e';
export const BASE_URL = 'https://api.stickycalls.test';
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = 'test-auth-token';
const WORKSPACE_SID = `WS${'c'.repeat(32)}`;

/** An agent: their Flex token (valid for Twilio IAM's stand-in) and their worker. */
export interface Agent {
  readonly token: string;
  readonly workerSid: string;
}

export const ADA: Agent = { token: 'flex-token-ada-SECRET-1f9c', workerSid: `WK${'a'.repeat(32)}` };
export const GRACE: Agent = { token: 'flex-token-grace-SECRET-77b2', workerSid: `WK${'b'.repeat(32)}` };
/** Ada's token once Flex refreshed it. */
export const ADA_REFRESHED = 'flex-token-ada-SECRET-refreshed-0e4a';

export const CALLER = '+14155550101';

/** One request the save Function received, and what it answered. */
export interface SaveRequest {
  readonly action: unknown;
  readonly taskSid: unknown;
  readonly token: unknown;
  readonly wrapUp: unknown;
  readonly status: number;
  readonly answer: Record<string, unknown>;
}

/** A call as the caller-context Function left it at call start (Studio). */
export interface StartedCall {
  readonly callId: string;
  readonly customerRef: string | null;
  readonly from: string;
  /** The task's attributes as Send to Flex makes them: the call's keys and the caller context. */
  readonly attributes: Record<string, unknown>;
}

/** The `twilio` package the local runtime (`@twilio/runtime-handler`) gives `context.getTwilioClient()`. */
const fromAdapter = createRequire(
  createRequire(import.meta.url).resolve('@stickycalls/twilio-function-adapter'),
);
const twilioClient = createRequire(fromAdapter.resolve('@twilio/runtime-handler/dev'))('twilio') as (
  accountSid: string,
  authToken: string,
) => unknown;

let callSequence = 0;
function nextCallSid(): string {
  callSequence += 1;
  return `CA${callSequence.toString(16).padStart(32, 'f')}`;
}

/**
 * Starts msw (before all tests of the file, after Flex has loaded: call it after
 * `useFlexRuntime()`), resets everything after each test, and returns the backend.
 */
export function useBackend() {
  const emulator = createEmulator({ apiKeys: [API_KEY] });
  const taskRouter = createTaskRouterStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
  });
  /** Twilio IAM: the tokens it knows. */
  const tokens: Record<string, TokenResult> = {};
  const resetTokens = () => {
    for (const token of Object.keys(tokens)) delete tokens[token];
    tokens[ADA.token] = { worker_sid: ADA.workerSid, roles: ['agent'], identity: 'ada' };
    tokens[GRACE.token] = { worker_sid: GRACE.workerSid, roles: ['agent'], identity: 'grace' };
  };
  resetTokens();
  /** What the Function logged. */
  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
  };
  const handler = createSaveContextHandler({
    Response: FakeResponse,
    validateToken: stubTokenValidator(tokens),
    client: { retry: { initialDelayMs: 10, maxDelayMs: 50 } },
    logger: { info: log, warn: log, error: log },
  });
  const context = (): FunctionContext =>
    createFakeContext({
      ACCOUNT_SID,
      AUTH_TOKEN,
      STICKY_CALLS_API_KEY: API_KEY,
      STICKY_CALLS_BASE_URL: BASE_URL,
      TWILIO_WORKSPACE_SID: WORKSPACE_SID,
      getTwilioClient: () => twilioClient(ACCOUNT_SID, AUTH_TOKEN),
    });

  const requests: SaveRequest[] = [];
  let hooks: ((event: Record<string, unknown>) => unknown)[] = [];
  const reach = { unreachable: false };
  const inFlight = new Set<Promise<unknown>>();
  const saveRoute = http.post(SAVE_URL, async ({ request }) => {
    if (reach.unreachable) return HttpResponse.error();
    const event = (await request.json()) as Record<string, unknown>;
    const running = (async () => {
      await hooks.shift()?.(event);
      return invoke(handler, { context: context(), event, settleMs: 0 });
    })();
    inFlight.add(running);
    const answer = await running.finally(() => inFlight.delete(running));
    requests.push({
      action: event.action,
      taskSid: event.TaskSid,
      token: event.Token,
      wrapUp: event.wrap_up,
      status: answer.statusCode,
      answer: answer.body as Record<string, unknown>,
    });
    return new HttpResponse(JSON.stringify(answer.body), {
      status: answer.statusCode,
      headers: { 'Content-Type': 'application/json' },
    });
  });

  const server = setupServer(
    saveRoute,
    ...taskRouterHandlers(taskRouter),
    ...stickyCallsHandlers(emulator, BASE_URL),
    // Flex's CountryManager asks for its assets: offline, as in the harness's shim.
    http.all('https://assets.flex.twilio.com/*', () => HttpResponse.error()),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(async () => {
    // A request still running belongs to the test that made it, not to the next one.
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    server.resetHandlers();
    emulator.reset();
    taskRouter.reset();
    resetTokens();
    requests.length = 0;
    logs.length = 0;
    hooks = [];
    reach.unreachable = false;
  });
  afterAll(() => server.close());

  const sticky = createStickyCallsClient({ apiKey: API_KEY, baseUrl: BASE_URL });

  /**
   * A call whose caller-context Function ran at call start. A returning caller (the
   * default) called before about a refund, left open: the form offers that intent.
   */
  async function startCall({ from = CALLER, returning = true } = {}): Promise<StartedCall> {
    if (returning) {
      const first = await sticky.calls.start({ call_id: nextCallSid(), identity_hints: { ani: from } });
      await sticky.calls.end({
        call_id: first.call_id ?? '',
        customer_ref: first.customer_ref,
        intent: 'refund_request',
        intent_status: 'open',
      });
    }
    const callId = nextCallSid();
    const started = await invoke(
      createCallerContextHandler({ Response: FakeResponse, logger: { info: log, warn: log, error: log } }),
      {
        context: context(),
        event: { CallSid: callId, From: from, To: '+18005550100' },
        settleMs: 0,
      },
    );
    const callerContext = started.body as Record<string, unknown>;
    const namespaced = callerContext[ATTRIBUTE_KEY] as { customer_ref?: string | null } | undefined;
    return {
      callId,
      from,
      customerRef: namespaced?.customer_ref ?? null,
      attributes: {
        type: 'inbound',
        name: from,
        from,
        to: '+18005550100',
        caller: from,
        called: '+18005550100',
        direction: 'inbound',
        call_sid: callId,
        ...callerContext,
      },
    };
  }

  return {
    emulator,
    taskRouter,
    /** Twilio IAM's stand-in: the valid tokens (delete one to have it refused). */
    tokens,
    /** What the Function logged during the test. */
    logs,
    startCall,
    /** The requests the save Function received, in order. */
    saveRequests: requests,
    /** Runs `hook` with the next request's body before the Function gets it (to hold it, to change things meanwhile). */
    beforeNextSave(hook: (event: Record<string, unknown>) => unknown) {
      hooks.push(hook);
    },
    /** Whether the save Function can be reached (a network failure when not). */
    setReachable(reachable: boolean) {
      reach.unreachable = !reachable;
    },
    /** The `calls.end` requests the API received for a call (successful or not). */
    ends(callId: string) {
      return emulator.requests.filter(
        (request) =>
          request.operation === 'end' && (request.body as { call_id?: unknown } | null)?.call_id === callId,
      );
    },
    /** The wrap-up on the task in TaskRouter. */
    wrapUpOn(taskSid: string): unknown {
      return taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY];
    },
  };
}

export type Backend = ReturnType<typeof useBackend>;

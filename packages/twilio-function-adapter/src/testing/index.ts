/**
 * A test kit for Twilio Functions: a `context`, a `Twilio.Response` and a callback
 * that behave like the platform's, and a stub Flex token validator. Use it for the
 * handlers of this package and for your own Functions.
 */
import type {
  FunctionContext,
  FunctionEvent,
  FunctionHandler,
  FunctionResponse,
  TokenResult,
  TokenValidator,
} from '../index.js';

/** A `Twilio.Response` that records what the handler set. */
export class FakeResponse implements FunctionResponse {
  statusCode = 200;
  body: unknown = undefined;
  readonly headers: Record<string, string> = {};

  setStatusCode(code: number): void {
    this.statusCode = code;
  }

  setBody(body: unknown): void {
    this.body = body;
  }

  appendHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  setHeaders(headers: Record<string, string>): void {
    Object.assign(this.headers, headers);
  }
}

/** A worker's Flex token as the stub validator knows it. */
export const TEST_WORKER_SID = `WK${'0'.repeat(31)}1`;

/**
 * A Function `context` as the runtime builds it, with test values and your overrides.
 * `getTwilioClient()` throws: Twilio's cloud is not reachable from tests.
 */
export function createFakeContext(overrides: Record<string, unknown> = {}): FunctionContext {
  return {
    ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    AUTH_TOKEN: 'test-auth-token',
    DOMAIN_NAME: 'localhost:3000',
    PATH: '/test',
    getTwilioClient: () => {
      throw new Error('getTwilioClient() is not available in tests: pass a fake through the context');
    },
    ...overrides,
  };
}

/** What a handler answered. */
export interface Invocation {
  /** HTTP status; 200 when the handler answered with a plain object. */
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body; JSON text is parsed. */
  readonly body: unknown;
  /** The error passed to the callback, if any. */
  readonly error: unknown;
  /** How many times the callback was called during the invocation and `settleMs` after it. */
  readonly callbackCalls: number;
}

/**
 * Runs a handler as the runtime would and resolves with its answer. `Twilio.Response`
 * is provided for the call when the global is absent. Rejects when the handler does
 * not call back within `timeoutMs` (the platform would answer 504).
 *
 * @example
 * const answer = await invoke(handler, { context: createFakeContext(), event: { From: '+14155551234' } });
 * expect(answer.statusCode).toBe(200);
 */
export async function invoke(
  handler: FunctionHandler,
  {
    context = createFakeContext(),
    event = {},
    timeoutMs = 10_000,
    settleMs = 20,
  }: {
    context?: FunctionContext;
    event?: FunctionEvent;
    timeoutMs?: number;
    settleMs?: number;
  } = {},
): Promise<Invocation> {
  const global = globalThis as { Twilio?: { Response?: unknown } };
  const installed = global.Twilio === undefined;
  if (installed) global.Twilio = { Response: FakeResponse };
  let calls = 0;
  try {
    const [error, response] = await new Promise<[unknown, unknown]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the handler did not call back within ${timeoutMs} ms`)),
        timeoutMs,
      );
      handler(context, event, (err, res) => {
        calls += 1;
        clearTimeout(timer);
        resolve([err, res]);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    if (response instanceof FakeResponse) {
      return {
        statusCode: response.statusCode,
        headers: response.headers,
        body: parseBody(response.body),
        error,
        callbackCalls: calls,
      };
    }
    return { statusCode: 200, headers: {}, body: response, error, callbackCalls: calls };
  } finally {
    if (installed) delete global.Twilio;
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * A Flex token validator for tests: the tokens you list are valid, with their
 * results; any other token is rejected, as an invalid or expired one is.
 *
 * @example
 * validateToken: stubTokenValidator({ 'agent-token': { worker_sid: TEST_WORKER_SID, roles: ['agent'] } })
 */
export function stubTokenValidator(tokens: Record<string, TokenResult>): TokenValidator {
  return async (token) => {
    const result = tokens[token];
    if (result === undefined) throw new Error('token rejected');
    return result;
  };
}

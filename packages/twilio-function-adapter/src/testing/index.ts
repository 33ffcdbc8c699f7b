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

type HeaderValue = string | string[];

/**
 * A `Twilio.Response` that behaves like the runtime's (`@twilio/runtime-handler` 2.x):
 * `appendHeader` adds a value (a repeated header becomes a list), `setHeaders` replaces
 * them all, cookies go to `Set-Cookie`; and records what the handler set.
 */
export class FakeResponse implements FunctionResponse {
  statusCode = 200;
  body: unknown = null;
  headers: Record<string, HeaderValue> = {};

  constructor(options?: { statusCode?: number; body?: unknown; headers?: Record<string, HeaderValue> }) {
    if (options?.statusCode) this.statusCode = options.statusCode;
    if (options?.body) this.body = options.body;
    if (options?.headers) this.headers = { ...options.headers };
  }

  setStatusCode(code: number): this {
    this.statusCode = code;
    return this;
  }

  setBody(body: unknown): this {
    this.body = body;
    return this;
  }

  appendHeader(name: string, value: HeaderValue): this {
    if (typeof value === 'object' && !Array.isArray(value))
      throw new Error('Header value cannot be an object');
    const existing = this.headers[name];
    this.headers[name] = existing === undefined ? value : [existing, value].flat();
    return this;
  }

  setHeaders(headers: Record<string, HeaderValue>): this {
    this.headers = {};
    for (const [name, value] of Object.entries(headers)) this.appendHeader(name, value);
    return this;
  }

  setCookie(name: string, value: string, attributes: readonly string[] = []): this {
    return this.appendHeader('Set-Cookie', [`${name}=${value}`, ...attributes].join(';'));
  }

  removeCookie(name: string, attributes: readonly string[] = []): this {
    return this.setCookie(name, '', [...attributes, 'Max-Age=0']);
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
  readonly headers: Readonly<Record<string, string | string[]>>;
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
  installTwilioGlobal();
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
    if (isResponseLike(response)) {
      const { statusCode, headers, body } = response;
      return { statusCode, headers, body: parseBody(body), error, callbackCalls: calls };
    }
    return { statusCode: 200, headers: {}, body: response, error, callbackCalls: calls };
  } finally {
    removeTwilioGlobal();
  }
}

// Concurrent invocations share one global, removed when the last one ends.
let globalUsers = 0;
let globalInstalled = false;

function installTwilioGlobal(): void {
  const global = globalThis as { Twilio?: { Response?: unknown } };
  if (globalUsers === 0 && global.Twilio === undefined) {
    global.Twilio = { Response: FakeResponse };
    globalInstalled = true;
  }
  globalUsers += 1;
}

function removeTwilioGlobal(): void {
  globalUsers -= 1;
  if (globalUsers === 0 && globalInstalled) {
    delete (globalThis as { Twilio?: unknown }).Twilio;
    globalInstalled = false;
  }
}

/** The runtime's Response and this kit's expose `statusCode`, `headers` and `body`. */
function isResponseLike(
  value: unknown,
): value is { statusCode: number; headers: Record<string, HeaderValue>; body: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number' &&
    typeof (value as { headers?: unknown }).headers === 'object' &&
    typeof (value as { setBody?: unknown }).setBody === 'function'
  );
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
    if (!Object.hasOwn(tokens, token)) throw new Error('token rejected');
    return tokens[token] as TokenResult;
  };
}

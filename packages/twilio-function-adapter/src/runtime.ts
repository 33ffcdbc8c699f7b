/**
 * What the three handlers share: the Twilio Functions shapes (declared here,
 * structurally), the callback-once wrapper, JSON responses with CORS, the client
 * cache and masked logging.
 */
import {
  type ClientOptions,
  ConfigurationError,
  checkClientOptions as checkOptions,
  createStickyCallsClient,
  escapeForLog,
  isStickyCallsError,
  type StickyCallsClient,
} from '@stickycalls/core';
import { TokenCheckUnavailableError } from './flex-token.js';
import { nodeFetch } from './node-fetch.js';
import { TaskRouterError } from './taskrouter.js';

/** The `context` Twilio passes a Function: environment variables and helpers. */
export interface FunctionContext {
  readonly [variable: string]: unknown;
  readonly ACCOUNT_SID?: string;
  readonly AUTH_TOKEN?: string;
  readonly STICKY_CALLS_API_KEY?: string;
  readonly STICKY_CALLS_BASE_URL?: string;
  readonly DOMAIN_NAME?: string;
  readonly getTwilioClient?: () => unknown;
}

/** The `event` Twilio passes a Function: query and body merged; headers when the runtime handler is pinned. */
export interface FunctionEvent {
  readonly [parameter: string]: unknown;
  readonly request?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

/** The callback a Function answers through, exactly once. */
export type FunctionCallback = (error: unknown, response?: unknown) => void;

/** A Twilio Function handler, as `exports.handler`. */
export type FunctionHandler = (
  context: FunctionContext,
  event: FunctionEvent,
  callback: FunctionCallback,
) => void;

/** What `Twilio.Response` offers that the handlers use. */
export interface FunctionResponse {
  setStatusCode(code: number): void;
  setBody(body: unknown): void;
  appendHeader(name: string, value: string): void;
}

/** A constructor of responses: `Twilio.Response` in Functions, a fake in tests. */
export type ResponseConstructor = new () => FunctionResponse;

/** Where log lines go. Every line is masked: no key, no token, no full caller number. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options every handler takes. */
export interface HandlerOptions {
  /**
   * Called with every error a handler recovers from or answers with, and the event's
   * call id, for your own reporting. The SDK's own errors come as they are; any other
   * error (a Twilio client's, your own rule's) comes as a {@link RedactedError}: its
   * class name and a fixed message, since its message, cause and properties may hold
   * credentials (a Twilio client error holds the account's Basic auth header). A hook
   * that throws is ignored.
   */
  onError?: (
    error: unknown,
    details: { readonly handler: string; readonly callId: string | undefined },
  ) => void;
  /** Where log lines go. @default console */
  logger?: Logger;
  /** The response constructor. @default the runtime's global `Twilio.Response` */
  Response?: ResponseConstructor;
  /**
   * Client options besides the key and base URL, which are read from the context at
   * call time (`STICKY_CALLS_API_KEY`, `STICKY_CALLS_BASE_URL`): `fetch`, `hooks`, `retry`.
   * Without a `fetch`, the client sends with `node:http(s)`, whose parser is native:
   * Node's own `fetch` compiles a WebAssembly parser on a process's first request, which
   * a cold Function would wait for.
   * @default {}
   */
  client?: Omit<ClientOptions, 'apiKey' | 'baseUrl' | 'timeout'>;
}

/** A JSON answer: status, body, extra headers. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Turns an async handler into the non-async `(context, event, callback)` the runtime
 * expects, calling `callback` exactly once whatever happens, with a JSON response.
 */
export function toFunctionHandler(
  name: string,
  options: HandlerOptions,
  run: (context: FunctionContext, event: FunctionEvent) => Promise<Reply>,
  onUnexpected: (error: unknown, event: FunctionEvent) => Reply,
): FunctionHandler {
  return (context, event, callback) => {
    let answered = false;
    const answer = (reply: Reply): void => {
      if (answered) return;
      answered = true;
      let response: unknown;
      try {
        response = toResponse(options.Response, reply);
      } catch (error) {
        // A broken response constructor: answer with the plain body, which Twilio serialises.
        logLine(options, 'error', `${name}: could not build the response (${describe(error)})`);
        response = reply.body;
      }
      if (response === reply.body && (reply.status !== 200 || reply.headers !== undefined)) {
        logLine(
          options,
          'error',
          `${name}: no Twilio.Response, so status ${reply.status} and its headers are lost`,
        );
      }
      try {
        callback(null, response);
      } catch (error) {
        // The callback is called once, whatever it does.
        logLine(options, 'error', `${name}: the callback threw (${describe(error)})`);
      }
    };
    Promise.resolve()
      .then(() => run(context ?? {}, event ?? {}))
      .then(answer, (error: unknown) => {
        report(options, name, error, callIdOf(event));
        logLine(options, 'error', `${name}: unexpected failure (${describe(error)})`);
        answer(onUnexpected(error, event ?? {}));
      });
  };
}

function toResponse(Response: ResponseConstructor | undefined, reply: Reply): unknown {
  const Constructor = Response ?? runtimeResponse();
  if (Constructor === undefined) return reply.body;
  const response = new Constructor();
  response.setStatusCode(reply.status);
  response.appendHeader('Content-Type', 'application/json');
  for (const [header, value] of Object.entries(reply.headers ?? {})) response.appendHeader(header, value);
  response.setBody(reply.body);
  return response;
}

function runtimeResponse(): ResponseConstructor | undefined {
  const twilio = (globalThis as { Twilio?: { Response?: ResponseConstructor } }).Twilio;
  return twilio?.Response;
}

/**
 * The client for this context's key and base URL, reused across warm invocations, or
 * the configuration problem that prevents one (no key, a malformed key or URL). The
 * key is read at call time, so a rotated key takes effect without a redeploy.
 */
export function clientFor(
  context: FunctionContext,
  options: HandlerOptions,
): StickyCallsClient | ConfigurationError {
  const apiKey = typeof context.STICKY_CALLS_API_KEY === 'string' ? context.STICKY_CALLS_API_KEY.trim() : '';
  if (apiKey === '') {
    return new ConfigurationError("STICKY_CALLS_API_KEY is not set in this Function's environment");
  }
  const baseUrl =
    typeof context.STICKY_CALLS_BASE_URL === 'string' && context.STICKY_CALLS_BASE_URL !== ''
      ? context.STICKY_CALLS_BASE_URL
      : undefined;
  // Checked here, so no message ever quotes the setting: a key pasted there would be logged.
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
    return new ConfigurationError(
      'STICKY_CALLS_BASE_URL is not an http(s) URL such as https://api.stickycalls.com (its value is not logged)',
    );
  }
  const cacheKey = `${baseUrl ?? ''}\n${apiKey}`;
  const cache = clientCache(options);
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  try {
    const client = createStickyCallsClient({
      ...options.client,
      fetch: options.client?.fetch ?? nodeFetch,
      apiKey,
      ...(baseUrl ? { baseUrl } : {}),
    });
    cache.set(cacheKey, client);
    return client;
  } catch (error) {
    // The options were checked when the handler was made: this is about the key or the URL,
    // and the core's configuration errors name a setting, never its value.
    return isStickyCallsError(error, ConfigurationError)
      ? error
      : new ConfigurationError(
          'STICKY_CALLS_API_KEY or STICKY_CALLS_BASE_URL is unusable (their values are not logged)',
        );
  }
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Checks the client options when a handler is created, not on its first call. */
export function checkClientOptions(options: HandlerOptions): void {
  checkOptions(options.client ?? {});
}

// One cache per handler (its options object), so two handlers with different hooks get two clients.
const cachesByOptions = new WeakMap<HandlerOptions, Map<string, StickyCallsClient>>();

function clientCache(options: HandlerOptions): Map<string, StickyCallsClient> {
  let cache = cachesByOptions.get(options);
  if (cache === undefined) {
    cache = new Map();
    cachesByOptions.set(options, cache);
  }
  return cache;
}

/**
 * `promise`, or a rejection with `error()` once `ms` have passed: for steps with no
 * timeout of their own (Twilio's token validator, TaskRouter look-ups).
 */
export function within<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), Math.max(0, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (reason: unknown) => {
        clearTimeout(timer);
        reject(reason);
      },
    );
  });
}

/**
 * Writes one log line. Messages are built from codes, masked numbers and key-safe error
 * messages only; the whole message is escaped (core's `escapeForLog`), so a value from a
 * request, a task or an API answer can never start a line of its own.
 */
export function logLine(options: HandlerOptions, level: keyof Logger, message: string): void {
  try {
    (options.logger ?? console)[level](`[stickycalls] ${escapeForLog(message)}`);
  } catch {
    // Logging must never fail a call.
  }
}

/**
 * An error from outside the SDK, as the `onError` hook gets it: the original's class
 * name (its `name`) and a fixed message, with its HTTP status and error code when it
 * had numeric or upper-case ones. Its message, cause and properties are withheld: a
 * Twilio client error's request config holds the account's Basic auth header, and any
 * other error may quote a token or a key.
 */
export class RedactedError extends Error {
  constructor(original: unknown) {
    const name = original instanceof Error ? classNameOf(original) : 'Error';
    const details = [
      statusOf(original) === undefined ? '' : `status ${statusOf(original)}`,
      codeOf(original) === undefined ? '' : `code ${codeOf(original)}`,
    ].filter((detail) => detail !== '');
    super(
      `${original instanceof Error ? `a ${name}` : `a thrown ${typeof original}`} from outside the SDK${
        details.length > 0 ? ` (${details.join(', ')})` : ''
      }; its message and details are withheld, as they may hold credentials`,
    );
    // The original's class name, for the hook's own branching and metrics.
    Object.defineProperty(this, 'name', { value: name, configurable: true, writable: true });
  }
}

/**
 * Calls the `onError` hook, ignoring its own failures. The one gate to the hook: the
 * SDK's errors pass as they are, anything else becomes a {@link RedactedError}.
 */
export function report(
  options: HandlerOptions,
  handler: string,
  error: unknown,
  callId: string | undefined,
): void {
  if (options.onError === undefined) return;
  try {
    options.onError(isOwnError(error) ? error : new RedactedError(error), { handler, callId });
  } catch {
    // A failing hook must never fail a call.
  }
}

/** Errors made by the SDK from codes and statuses, never from a foreign error's text. */
function isOwnError(error: unknown): boolean {
  return (
    isStickyCallsError(error) ||
    error instanceof TaskRouterError ||
    error instanceof TokenCheckUnavailableError ||
    error instanceof RedactedError
  );
}

/**
 * A short description of an error for a log line: the code and message of the SDK's
 * errors (which never hold the key) and of the TaskRouter port's, only the class name
 * of anything else, since a foreign error's message may quote secrets.
 */
export function describe(error: unknown): string {
  if (isStickyCallsError(error)) return `${error.code}: ${error.message}`;
  // Built by the TaskRouter port from the status only, never from Twilio's error.
  if (error instanceof TaskRouterError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return classNameOf(error);
  return typeof error;
}

/** An error's class name when it looks like one; `Error` otherwise (a name can be set to anything). */
function classNameOf(error: Error): string {
  const name: unknown = error.name;
  return typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : 'Error';
}

function statusOf(error: unknown): number | undefined {
  const record = error as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof record?.status === 'number' ? record.status : record?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599
    ? status
    : undefined;
}

function codeOf(error: unknown): string | number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code < 1e6) return code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(code) ? code : undefined;
}

function callIdOf(event: FunctionEvent | undefined): string | undefined {
  const callId = event?.CallSid ?? event?.call_id;
  return typeof callId === 'string' ? callId : undefined;
}

/** A setting's number as it is (never a secret); anything else by its type only. */
export function numberOrType(value: unknown): string {
  return typeof value === 'number' ? String(value) : `a ${typeof value}`;
}

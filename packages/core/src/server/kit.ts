/**
 * What every server handler shares before it meets its runtime: the settings and
 * request shapes (as Twilio's runtime hands them to a Function), the client cache,
 * deadlines, masked logging and the `onError` gate. Each adapter binds a
 * {@link ServerHandler} to its runtime: a Twilio Function's callback, or a fetch
 * `Request` and `Response`.
 */

import {
  checkClientOptions as checkOptions,
  createStickyCallsClient,
  type StickyCallsClient,
} from '../client.js';
import { ConfigurationError, isStickyCallsError } from '../errors.js';
import type { ClientOptions } from '../options.js';
import { escapeForLog } from '../redact.js';
import { TokenCheckUnavailableError } from './flex-token.js';
import { TaskRouterError } from './taskrouter.js';

/**
 * A handler's settings: environment variables, read at call time (a Twilio Function's
 * `context`, a server's `process.env`, a Worker's `env`).
 */
export interface HandlerEnv {
  readonly [variable: string]: unknown;
  readonly ACCOUNT_SID?: string;
  readonly AUTH_TOKEN?: string;
  readonly STICKY_CALLS_API_KEY?: string;
  readonly STICKY_CALLS_BASE_URL?: string;
  /** Twilio Functions only: a Twilio client with the account's credentials. */
  readonly getTwilioClient?: () => unknown;
}

/**
 * A request as a handler reads it: the query's and the body's parameters merged (JSON or
 * form), as Twilio's runtime gives them to a Function, and the lower-cased headers.
 */
export interface HandlerEvent {
  readonly [parameter: string]: unknown;
  readonly request?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

/** Where log lines go. Every line is masked: no key, no token, no full caller number. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options every server handler takes, whatever its runtime. */
export interface ServerHandlerOptions {
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
  /**
   * Client options besides the key and base URL, which are read from the settings at
   * call time (`STICKY_CALLS_API_KEY`, `STICKY_CALLS_BASE_URL`): `fetch`, `hooks`, `retry`.
   * @default {} (the adapter's own `fetch`)
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
 * A handler before it meets its runtime: what it answers to a request (`run`), and
 * what it answers when `run` itself fails unexpectedly (`unexpected`), which an adapter
 * calls after reporting and logging the failure through {@link failedUnexpectedly}.
 */
export interface ServerHandler {
  /** The handler's name in log lines and `onError`'s details. */
  readonly name: string;
  readonly options: ServerHandlerOptions;
  run(env: HandlerEnv, event: HandlerEvent): Promise<Reply>;
  unexpected(error: unknown, event: HandlerEvent): Reply;
  /**
   * The answer to a browser's CORS preflight (`OPTIONS`), for a handler browsers call;
   * `undefined` for one they never call. (Twilio Functions answer preflights themselves.)
   */
  readonly preflight?: (event: HandlerEvent) => Reply;
}

/**
 * Runs a handler to its answer: `run`'s, or, when it throws, the failure reported,
 * logged and answered with `unexpected`'s. Never rejects.
 */
export async function answerOf(handler: ServerHandler, env: HandlerEnv, event: HandlerEvent): Promise<Reply> {
  try {
    return await handler.run(env, event);
  } catch (error) {
    return failedUnexpectedly(handler, error, event);
  }
}

/** The answer to an unexpected failure, reported and logged. */
export function failedUnexpectedly(handler: ServerHandler, error: unknown, event: HandlerEvent): Reply {
  report(handler.options, handler.name, error, callIdOf(event));
  logLine(handler.options, 'error', `${handler.name}: unexpected failure (${describe(error)})`);
  try {
    return handler.unexpected(error, event);
  } catch {
    return { status: 500, body: '' };
  }
}

/**
 * The client for this context's key and base URL, reused across warm invocations, or
 * the configuration problem that prevents one (no key, a malformed key or URL). The
 * key is read at call time, so a rotated key takes effect without a redeploy.
 */
export function clientFor(
  context: HandlerEnv,
  options: ServerHandlerOptions,
  defaultFetch?: typeof fetch,
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
  const fetchImpl = options.client?.fetch ?? defaultFetch;
  const cacheKey = `${baseUrl ?? ''}\n${apiKey}`;
  const cache = clientCache(options);
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  try {
    const client = createStickyCallsClient({
      ...options.client,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
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
export function checkClientOptions(options: ServerHandlerOptions): void {
  checkOptions(options.client ?? {});
}

// One cache per handler (its options object), so two handlers with different hooks get two clients.
const cachesByOptions = new WeakMap<ServerHandlerOptions, Map<string, StickyCallsClient>>();

function clientCache(options: ServerHandlerOptions): Map<string, StickyCallsClient> {
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
export function logLine(options: ServerHandlerOptions, level: keyof Logger, message: string): void {
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
  options: ServerHandlerOptions,
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

export function callIdOf(event: HandlerEvent | undefined): string | undefined {
  const callId = event?.CallSid ?? event?.call_id;
  return typeof callId === 'string' ? callId : undefined;
}

/** A setting's number as it is (never a secret); anything else by its type only. */
export function numberOrType(value: unknown): string {
  return typeof value === 'number' ? String(value) : `a ${typeof value}`;
}

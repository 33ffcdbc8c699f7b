/**
 * One API operation: attempts, retries and one overall deadline.
 *
 * ky prepares each attempt (base URL, headers) and calls fetch. Its own `retry`
 * and `timeout` are switched off on purpose: ky's timeout covers only the wait for
 * headers and restarts with every retry, and ky cannot tell a replayed `end` from
 * a first one. Here one deadline covers every attempt, body reading and back-off
 * included, and a per-attempt timeout lets a hung attempt be retried in time.
 */
import ky, { type KyInstance } from 'ky';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  errorFromResponse,
  InternalServerError,
  isStickyCallsError,
  type Operation,
  type StickyCallsError,
} from './errors.js';
import type { ClientHooks, RetryOptions } from './options.js';
import { backoffDelay } from './retry.js';

/** What the transport needs, resolved from the client options. */
export interface TransportConfig {
  readonly apiKey: string;
  readonly keyHint: string;
  readonly baseUrl: string;
  readonly fetch: typeof globalThis.fetch | undefined;
  readonly retry: Required<RetryOptions>;
  readonly hooks: ClientHooks;
  /** The ky instance: base URL, headers, and ky's own retry and timeout off (see above). */
  readonly http: KyInstance;
}

/** The ky instance a client sends with. */
export function createHttp(
  baseUrl: string,
  apiKey: string,
  headers: Readonly<Record<string, string>>,
): KyInstance {
  return ky.create({
    prefixUrl: baseUrl,
    headers: {
      ...headers,
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
  });
}

/** Per-operation limits. */
export interface OperationLimits {
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** What an attempt got back: a 2xx, or (for `end` only) a 409 that answered a retry after a lost first answer. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly attempts: number;
  readonly replayed: boolean;
}

const DEADLINE = Symbol('deadline');
const ATTEMPT_TIMEOUT = Symbol('attempt-timeout');
const USER_ABORT = Symbol('user-abort');

/**
 * Runs one operation to its end: attempts, back-off, and `interpret` on the answer.
 * `onComplete` fires once, after `interpret`, so a body that cannot be understood
 * counts as a failure.
 */
export async function send<T>(
  config: TransportConfig,
  operation: Operation,
  callId: string,
  body: unknown,
  limits: OperationLimits,
  interpret: (answer: Answer) => T,
): Promise<T> {
  const startedAt = Date.now();
  const deadline = startedAt + limits.timeoutMs;
  let attempts = 0;
  const complete = (error: StickyCallsError | undefined): void =>
    callHook(config.hooks.onComplete, {
      operation,
      callId,
      attempts,
      durationMs: Date.now() - startedAt,
      ok: error === undefined,
      error,
    });
  const fail = (error: StickyCallsError): never => {
    complete(error);
    throw error;
  };

  if (limits.signal?.aborted) fail(new APIUserAbortError(operation));
  const json = JSON.stringify(body);
  // Whether an earlier attempt may have reached the API with its answer lost: only
  // then does a 409 on `end` mean that the save already landed.
  let mayHaveLanded = false;
  for (;;) {
    attempts += 1;
    const outcome = await attempt(config, operation, callId, json, attempts, deadline, limits, mayHaveLanded);
    if (!(outcome instanceof Error)) {
      let result: T;
      try {
        result = interpret({ ...outcome, attempts });
      } catch (error) {
        return fail(error as StickyCallsError);
      }
      complete(undefined);
      return result;
    }
    mayHaveLanded ||=
      isStickyCallsError(outcome, APIConnectionError) || isStickyCallsError(outcome, InternalServerError);
    const delayMs = outcome.retryable ? retryDelay(config.retry, attempts, outcome) : undefined;
    // Give up now rather than wait past the deadline or beyond the retry budget.
    if (delayMs === undefined || attempts > config.retry.maxRetries || Date.now() + delayMs >= deadline) {
      return fail(outcome);
    }
    callHook(config.hooks.onRetry, { operation, callId, attempt: attempts, delayMs, error: outcome });
    if (!(await sleep(delayMs, limits.signal))) return fail(new APIUserAbortError(operation));
  }
}

/**
 * One HTTP attempt, headers and body, under one AbortController: it fires at the
 * attempt timeout or the operation's deadline, whichever comes first, or when the
 * caller's signal does. The attempt settles then even if `fetch` ignores the signal.
 */
async function attempt(
  config: TransportConfig,
  operation: Operation,
  callId: string,
  json: string,
  attemptNumber: number,
  deadline: number,
  limits: OperationLimits,
  mayHaveLanded: boolean,
): Promise<Omit<Answer, 'attempts'> | StickyCallsError> {
  const remaining = deadline - Date.now();
  const attemptTimeoutMs = Math.max(1, Math.min(limits.attemptTimeoutMs, remaining));
  const attemptAbort = new AbortController();
  const { signal } = attemptAbort;
  const timer = setTimeout(
    () => attemptAbort.abort(attemptTimeoutMs >= remaining ? DEADLINE : ATTEMPT_TIMEOUT),
    attemptTimeoutMs,
  );
  const onUserAbort = (): void => attemptAbort.abort(USER_ABORT);
  limits.signal?.addEventListener('abort', onUserAbort, { once: true });
  const startedAt = Date.now();
  callHook(config.hooks.onRequest, { operation, callId, attempt: attemptNumber });

  try {
    const response = await untilAborted(
      config.http.post(`v1/calls/${operation}`, {
        fetch: sendWith(config.fetch ?? globalThis.fetch, json, signal),
      }),
      signal,
    );
    const text = scrub(await readText(response, signal), config.apiKey);
    callHook(config.hooks.onResponse, {
      operation,
      callId,
      attempt: attemptNumber,
      status: response.status,
      durationMs: Date.now() - startedAt,
    });
    const parsed = parseJson(text);

    if (response.ok) return { status: response.status, body: parsed, replayed: false };
    if (response.status === 409 && operation === 'end' && mayHaveLanded) {
      return { status: response.status, body: parsed, replayed: true };
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return errorFromResponse(operation, response.status, parsed, config.keyHint, retryAfterMs);
  } catch (error) {
    const reason = signal.aborted ? signal.reason : undefined;
    if (reason === USER_ABORT) return new APIUserAbortError(operation);
    if (reason === ATTEMPT_TIMEOUT) return new APITimeoutError(operation, attemptTimeoutMs, attemptNumber);
    if (reason === DEADLINE) return new APITimeoutError(operation, limits.timeoutMs, attemptNumber);
    const detail = scrub(describe(error), config.apiKey);
    return new APIConnectionError(
      operation,
      `calls.${operation} could not reach ${hostOf(config.baseUrl)}: ${detail}`,
      {
        cause: holdsSecret(error, config.apiKey)
          ? new Error(`${detail} (the original error is withheld: it held the API key)`)
          : error,
      },
    );
  } finally {
    clearTimeout(timer);
    limits.signal?.removeEventListener('abort', onUserAbort);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Milliseconds to wait before the next attempt, `Retry-After` first, else capped exponential back-off with jitter. */
function retryDelay(retry: Required<RetryOptions>, attempts: number, error: StickyCallsError): number {
  const retryAfterMs = isStickyCallsError(error, APIError) ? error.retryAfterMs : undefined;
  if (retryAfterMs !== undefined) return retryAfterMs;
  return backoffDelay(attempts, retry);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; `undefined` when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(header);
  // A date in the past means "now".
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The fetch ky calls. ky prepares the request (URL, headers) without a body, and the
 * body goes to fetch here as the string it already is, with this attempt's signal.
 * Handing ky the body or the signal costs more than the whole client otherwise does:
 * its Request streams the body and clones that stream, and it merges signals through
 * `AbortSignal.any`, which is slow on Node 20. A `fetch` given in the options is
 * called the same way, as `fetch(url, init)`.
 */
function sendWith(
  fetch: typeof globalThis.fetch,
  json: string,
  signal: AbortSignal,
): typeof globalThis.fetch {
  return (input) => {
    const request = input as Request;
    return fetch(request.url, { method: request.method, headers: request.headers, body: json, signal });
  };
}

/**
 * The body as text, given up when the signal fires. Not every `fetch` stops a body
 * stream on abort (mocks and some polyfills do not), so the body is read here and
 * the reader cancelled on abort.
 */
async function readText(response: Response, signal: AbortSignal): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const onAbort = (): void => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  }
}

/** Waits `ms`; resolves `false` early when the caller's signal fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function callHook<E>(hook: ((event: E) => void) | undefined, event: E): void {
  if (hook === undefined) return;
  try {
    hook(event);
  } catch {
    // A failing log or metrics hook must never fail a call.
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'the API';
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

function scrub(text: string, apiKey: string): string {
  return text.includes(apiKey) ? text.split(apiKey).join('[redacted]') : text;
}

/**
 * Whether an error (its message, stack, cause chain, `errors`, any property) holds
 * the API key or a request-like object that carries it in its headers.
 */
function holdsSecret(value: unknown, apiKey: string, seen = new Set<object>(), depth = 0): boolean {
  if (typeof value === 'string') return value.includes(apiKey);
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  if (depth > 8 || 'headers' in value) return true;
  seen.add(value);
  for (const name of Object.getOwnPropertyNames(value)) {
    let property: unknown;
    try {
      property = (value as Record<string, unknown>)[name];
    } catch {
      return true;
    }
    if (holdsSecret(property, apiKey, seen, depth + 1)) return true;
  }
  return false;
}

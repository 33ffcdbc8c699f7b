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
  APITimeoutError,
  APIUserAbortError,
  errorFromResponse,
  type Operation,
  type StickyCallsError,
} from './errors.js';
import type { ClientHooks, RetryOptions } from './options.js';

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

/** A 2xx answer, or (for `end` only) a 409 that answered a retry: the first attempt had landed. */
export interface TransportResult {
  readonly status: number;
  readonly body: unknown;
  readonly attempts: number;
  readonly replayed: boolean;
}

const DEADLINE = Symbol('deadline');
const ATTEMPT_TIMEOUT = Symbol('attempt-timeout');
const USER_ABORT = Symbol('user-abort');

export async function send(
  config: TransportConfig,
  operation: Operation,
  callId: string,
  body: unknown,
  limits: OperationLimits,
): Promise<TransportResult> {
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

  if (limits.signal?.aborted) {
    const error = new APIUserAbortError(operation);
    complete(error);
    throw error;
  }

  const json = JSON.stringify(body);
  for (;;) {
    attempts += 1;
    const outcome = await attempt(config, operation, callId, json, attempts, deadline, limits);
    if (!(outcome instanceof Error)) {
      complete(undefined);
      return { ...outcome, attempts };
    }
    const delayMs = outcome.retryable ? retryDelay(config.retry, attempts, outcome) : undefined;
    // Give up now rather than wait past the deadline or beyond the retry budget.
    if (delayMs === undefined || attempts > config.retry.maxRetries || Date.now() + delayMs >= deadline) {
      complete(outcome);
      throw outcome;
    }
    callHook(config.hooks.onRetry, { operation, callId, attempt: attempts, delayMs, error: outcome });
    if (!(await sleep(delayMs, limits.signal))) {
      const error = new APIUserAbortError(operation);
      complete(error);
      throw error;
    }
  }
}

/**
 * One HTTP attempt, headers and body, under one AbortController: it fires at the
 * attempt timeout or the operation's deadline, whichever comes first, or when the
 * caller's signal does.
 */
async function attempt(
  config: TransportConfig,
  operation: Operation,
  callId: string,
  json: string,
  attemptNumber: number,
  deadline: number,
  limits: OperationLimits,
): Promise<Omit<TransportResult, 'attempts'> | StickyCallsError> {
  const remaining = deadline - Date.now();
  const attemptTimeoutMs = Math.max(1, Math.min(limits.attemptTimeoutMs, remaining));
  const attemptAbort = new AbortController();
  const timer = setTimeout(
    () => attemptAbort.abort(attemptTimeoutMs >= remaining ? DEADLINE : ATTEMPT_TIMEOUT),
    attemptTimeoutMs,
  );
  const onUserAbort = (): void => attemptAbort.abort(USER_ABORT);
  limits.signal?.addEventListener('abort', onUserAbort, { once: true });
  const startedAt = Date.now();
  callHook(config.hooks.onRequest, { operation, callId, attempt: attemptNumber });

  try {
    const response = await config.http.post(`v1/calls/${operation}`, {
      fetch: sendWith(config.fetch ?? globalThis.fetch, json, attemptAbort.signal),
    });
    const text = scrub(await readText(response, attemptAbort.signal), config.apiKey);
    callHook(config.hooks.onResponse, {
      operation,
      callId,
      attempt: attemptNumber,
      status: response.status,
      durationMs: Date.now() - startedAt,
    });
    const parsed = parseJson(text);

    if (response.ok) return { status: response.status, body: parsed, replayed: false };
    if (response.status === 409 && operation === 'end' && attemptNumber > 1) {
      return { status: response.status, body: parsed, replayed: true };
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return errorFromResponse(operation, response.status, parsed, config.keyHint, retryAfterMs);
  } catch (error) {
    const reason = attemptAbort.signal.aborted ? attemptAbort.signal.reason : undefined;
    if (reason === USER_ABORT) return new APIUserAbortError(operation);
    if (reason === ATTEMPT_TIMEOUT) return new APITimeoutError(operation, attemptTimeoutMs, attemptNumber);
    if (reason === DEADLINE) return new APITimeoutError(operation, limits.timeoutMs, attemptNumber);
    const detail = scrub(describe(error), config.apiKey);
    return new APIConnectionError(
      operation,
      `calls.${operation} could not reach ${hostOf(config.baseUrl)}: ${detail}`,
      {
        cause: safeCause(error, config.apiKey, detail),
      },
    );
  } finally {
    clearTimeout(timer);
    limits.signal?.removeEventListener('abort', onUserAbort);
  }
}

/** Milliseconds to wait before the next attempt, `Retry-After` first, else capped exponential back-off with jitter. */
function retryDelay(retry: Required<RetryOptions>, attempts: number, error: StickyCallsError): number {
  const retryAfterMs = (error as Partial<{ retryAfterMs: number }>).retryAfterMs;
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempts - 1));
  // Half fixed, half random: spreads a burst of retries without ever retrying at once.
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; `undefined` when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(header);
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
 * stream on abort (mocks and some polyfills do not), so the deadline is enforced here.
 */
function readText(response: Response, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      response.body?.cancel().catch(() => undefined);
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    response.text().then(
      (text) => {
        signal.removeEventListener('abort', onAbort);
        resolve(text);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
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

/** The network error as the cause, unless something in its chain holds the API key. */
function safeCause(error: unknown, apiKey: string, detail: string): unknown {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (`${e.message} ${e.stack ?? ''}`.includes(apiKey) || Object.values(e).some(valueHoldsKey(apiKey))) {
      return new Error(`${detail} (the original error is withheld: it held the API key)`);
    }
  }
  return error;
}

function valueHoldsKey(apiKey: string) {
  return (value: unknown): boolean => {
    if (typeof value === 'string') return value.includes(apiKey);
    // Request-like objects (ky's errors carry one) hold the Authorization header.
    return typeof value === 'object' && value !== null && 'headers' in value;
  };
}

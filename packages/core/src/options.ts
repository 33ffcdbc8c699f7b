import type { Operation, StickyCallsError } from './errors.js';

/** Retry policy. 429, 5xx, network errors and timed-out attempts are retried; 400, 401, 402 and 409 never are. */
export interface RetryOptions {
  /**
   * Retries after the first attempt, all within the operation's `timeout`.
   * @default 2
   */
  maxRetries?: number;
  /**
   * Back-off before the first retry; it doubles for each further retry. A `Retry-After`
   * header, when the API sends one, is used instead.
   * @default 200
   */
  initialDelayMs?: number;
  /**
   * Longest back-off between two attempts.
   * @default 2000
   */
  maxDelayMs?: number;
}

/** Sent before every HTTP attempt. */
export interface RequestEvent {
  readonly operation: Operation;
  readonly callId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** Sent when an attempt got an HTTP answer (any status). */
export interface ResponseEvent extends RequestEvent {
  readonly status: number;
  readonly durationMs: number;
}

/** Sent before waiting to retry. */
export interface RetryEvent extends RequestEvent {
  /** How long the client waits before the next attempt. */
  readonly delayMs: number;
  /** Why the attempt failed. */
  readonly error: StickyCallsError;
}

/** Sent once per operation, when it succeeds or fails for good. */
export interface CompleteEvent {
  readonly operation: Operation;
  readonly callId: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly error: StickyCallsError | undefined;
}

/**
 * Hooks for logging and metrics. They run synchronously; one that throws is
 * ignored and never fails the call. Events carry no API key and no caller number.
 */
export interface ClientHooks {
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onComplete?: (event: CompleteEvent) => void;
}

/** A time per operation, or one for both. */
export type PerOperation<T> = T | { start?: T; end?: T };

/** Options of {@link createStickyCallsClient}. */
export interface ClientOptions {
  /**
   * Your Sticky Calls API key (`sk_test_…`, `sk_prod_…`); never logged or put in an
   * error message. Typed to take `process.env.STICKY_CALLS_API_KEY` as it is: a missing
   * or blank key throws `ConfigurationError` naming the setting.
   */
  apiKey: string | undefined;
  /**
   * Where the API is. Point it at the emulator in tests. Redirects are not followed (a
   * POST redirected would be resent as a GET without its body): a 3xx answer is an
   * `APIError` naming it. Errors never quote this value, nor headers' values.
   * @default 'https://api.stickycalls.com'
   */
  baseUrl?: string;
  /**
   * Overall deadline of one operation in milliseconds, every retry and back-off
   * included: the call settles by then whatever the network does.
   * @default { start: 5000, end: 8000 }
   */
  timeout?: PerOperation<number>;
  /**
   * Deadline of a single HTTP attempt (headers and body). A shorter one abandons a hung
   * attempt and retries while the operation's `timeout` allows; but an attempt abandoned
   * while the API is merely slow may have landed, and its retry then meets 409.
   * @default the operation's timeout (one attempt may use all of it)
   */
  attemptTimeout?: PerOperation<number>;
  /**
   * Retry policy, or `false` for a single attempt.
   * @default { maxRetries: 2, initialDelayMs: 200, maxDelayMs: 2000 }
   */
  retry?: RetryOptions | false;
  /**
   * The `fetch` to send requests with (a proxy-aware or instrumented one).
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Extra headers on every request, such as a `user-agent`. `authorization` cannot be set here.
   * @default {}
   */
  headers?: Record<string, string>;
  /** Logging and metrics hooks. @default {} */
  hooks?: ClientHooks;
}

/** Options of one call. */
export interface RequestOptions {
  /** Cancels the call; it rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
  /** Overrides the client's `timeout` for this call, in milliseconds. */
  timeout?: number;
}

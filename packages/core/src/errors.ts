/**
 * Errors thrown by the Sticky Calls client.
 *
 * Every error carries a stable `code` (for branching, metrics and degraded task
 * attributes) and a message that names the problem without ever containing the
 * API key. Use {@link isStickyCallsError} rather than `instanceof` when two copies
 * of this package may be loaded (a Twilio Function bundle next to an app's own copy).
 */

/** Where a validation problem was found, as the API reports it: `path` and `message`. */
export interface ValidationIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The stable machine-readable codes of the error classes. */
export const STICKY_CALLS_ERROR_CODES = [
  'invalid_request',
  'bad_request',
  'unauthorized',
  'quota_exceeded',
  'conflict',
  'rate_limited',
  'server_error',
  'api_error',
  'network_error',
  'timeout',
  'aborted',
  'invalid_response',
  'not_configured',
] as const;

/** The stable machine-readable code of each error class. */
export type StickyCallsErrorCode = (typeof STICKY_CALLS_ERROR_CODES)[number];

/** The API operation an error came from. */
export type Operation = 'start' | 'end';

const BRAND = Symbol.for('@stickycalls/core/error');

type ErrorClass<T> = (abstract new (...args: never[]) => T) & { readonly errorName: string };

/** Base class of every error this package throws. */
export class StickyCallsError extends Error {
  /** Class name that survives minification and duplicate package copies. */
  static readonly errorName: string = 'StickyCallsError';
  /** Stable code for branching and metrics. */
  readonly code: StickyCallsErrorCode;
  /** Whether repeating the same request later may succeed. */
  readonly retryable: boolean;

  constructor(
    message: string,
    code: StickyCallsErrorCode,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = (new.target as unknown as ErrorClass<StickyCallsError>).errorName;
    this.code = code;
    this.retryable = retryable;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `value` is an error of this package, optionally of a given class
 * (subclasses included), even when it comes from another copy of the package.
 *
 * @example
 * if (isStickyCallsError(err, RateLimitError)) wait(err.retryAfterMs);
 */
export function isStickyCallsError(value: unknown): value is StickyCallsError;
export function isStickyCallsError<T extends StickyCallsError>(
  value: unknown,
  kind: ErrorClass<T>,
): value is T;
export function isStickyCallsError(value: unknown, kind?: ErrorClass<StickyCallsError>): boolean {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) {
    return false;
  }
  if (kind === undefined) return true;
  for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: { errorName?: unknown } }).constructor;
    if (ctor?.errorName === kind.errorName) return true;
  }
  return false;
}

/** The client's options are unusable (no API key, a bad URL or timeout). */
export class ConfigurationError extends StickyCallsError {
  static override readonly errorName: string = 'ConfigurationError';

  constructor(message: string) {
    super(message, 'not_configured', false);
  }
}

/**
 * The request was refused by the client before anything was sent: a field is
 * missing or malformed. `issues` names each field.
 */
export class RequestValidationError extends StickyCallsError {
  static override readonly errorName: string = 'RequestValidationError';
  readonly operation: Operation;
  readonly issues: readonly ValidationIssue[];

  constructor(operation: Operation, issues: readonly ValidationIssue[]) {
    super(
      `Invalid calls.${operation} request, nothing was sent: ${formatIssues(issues)}`,
      'invalid_request',
      false,
    );
    this.operation = operation;
    this.issues = issues;
  }
}

/** The API answered with an error status. */
export class APIError extends StickyCallsError {
  static override readonly errorName: string = 'APIError';
  readonly operation: Operation;
  /** HTTP status of the answer. */
  readonly status: number;
  /** Parsed JSON error body when there was one, else the raw text (at most 1,000 characters). */
  readonly body: unknown;
  /** Validation issues from a `{details: {issues}}` body; empty when the body had none. */
  readonly issues: readonly ValidationIssue[];
  /** What the answer's `Retry-After` asked for, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    operation: Operation,
    status: number,
    body: unknown,
    message: string,
    code: StickyCallsErrorCode = 'api_error',
    retryable = false,
    retryAfterMs?: number,
  ) {
    super(message, code, retryable);
    this.operation = operation;
    this.status = status;
    this.body = body;
    this.issues = readIssues(body);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 400: the API rejected the request's content. Never retried. */
export class BadRequestError extends APIError {
  static override readonly errorName: string = 'BadRequestError';
}
/** 401: the API key is missing, invalid or revoked. Never retried. */
export class AuthenticationError extends APIError {
  static override readonly errorName: string = 'AuthenticationError';
}
/** 402: the account's monthly quota is used up. Never retried. */
export class InsufficientCreditsError extends APIError {
  static override readonly errorName: string = 'InsufficientCreditsError';
}
/** 409: the `call_id` was used before. Never retried. */
export class ConflictError extends APIError {
  static override readonly errorName: string = 'ConflictError';
}
/** 429: the per-minute rate limit was hit and the deadline left no room to wait. */
export class RateLimitError extends APIError {
  static override readonly errorName: string = 'RateLimitError';

  constructor(operation: Operation, body: unknown, message: string, retryAfterMs: number | undefined) {
    super(operation, 429, body, message, 'rate_limited', true, retryAfterMs);
  }
}
/** 5xx: the API failed; retried within the deadline before this is thrown. */
export class InternalServerError extends APIError {
  static override readonly errorName: string = 'InternalServerError';
}

/** The API could not be reached, or the connection broke. `cause` holds the network error. */
export class APIConnectionError extends StickyCallsError {
  static override readonly errorName: string = 'APIConnectionError';
  readonly operation: Operation;

  constructor(
    operation: Operation,
    message: string,
    options?: { cause?: unknown; code?: StickyCallsErrorCode },
  ) {
    super(message, options?.code ?? 'network_error', true, options);
    this.operation = operation;
  }
}

/** The operation's deadline (retries included) passed before an answer came. */
export class APITimeoutError extends APIConnectionError {
  static override readonly errorName: string = 'APITimeoutError';
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(operation: Operation, timeoutMs: number, attempts: number) {
    super(
      operation,
      `calls.${operation} timed out after ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      { code: 'timeout' },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's `AbortSignal` cancelled the operation. */
export class APIUserAbortError extends StickyCallsError {
  static override readonly errorName: string = 'APIUserAbortError';
  readonly operation: Operation;

  constructor(operation: Operation) {
    super(`calls.${operation} was aborted by the caller's signal`, 'aborted', false);
    this.operation = operation;
  }
}

/** The API answered 2xx with a body this client cannot understand. */
export class ResponseValidationError extends StickyCallsError {
  static override readonly errorName: string = 'ResponseValidationError';
  readonly operation: Operation;
  readonly status: number;
  readonly issues: readonly ValidationIssue[];

  constructor(operation: Operation, status: number, issues: readonly ValidationIssue[]) {
    super(
      `calls.${operation} answered ${status} with a body that does not match the API contract: ${formatIssues(issues)}`,
      'invalid_response',
      false,
    );
    this.operation = operation;
    this.status = status;
    this.issues = issues;
  }
}

/** `path.to.field: message; other: message`, at most 5 issues. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return 'no details given';
  const shown = issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `${shown.join('; ')}${more}`;
}

function readIssues(body: unknown): readonly ValidationIssue[] {
  const issues = (body as { details?: { issues?: unknown } } | null)?.details?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== 'object' || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof message === 'string'
      ? [
          {
            path: Array.isArray(path)
              ? path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
              : [],
            message,
          },
        ]
      : [];
  });
}

/**
 * Maps an error answer to its class. The API key is scrubbed from any text the
 * answer echoes; `keyHint` (the masked key) is what a 401 message shows instead.
 */
export function errorFromResponse(
  operation: Operation,
  status: number,
  body: unknown,
  keyHint: string,
  retryAfterMs?: number,
): APIError {
  const detail = describeBody(body);
  const call = `calls.${operation}`;
  switch (true) {
    case status === 400:
      return new BadRequestError(
        operation,
        status,
        body,
        `${call} was rejected (400): ${detail}`,
        'bad_request',
      );
    case status === 401:
      return new AuthenticationError(
        operation,
        status,
        body,
        `${call} was refused (401): the API key ${keyHint} is missing, invalid or revoked; check the apiKey option (STICKY_CALLS_API_KEY)`,
        'unauthorized',
      );
    case status === 402:
      return new InsufficientCreditsError(
        operation,
        status,
        body,
        `${call} was refused (402): the account's monthly quota is used up; ${detail}`,
        'quota_exceeded',
      );
    case status === 409:
      return new ConflictError(
        operation,
        status,
        body,
        `${call} was refused (409): this call_id was used before; ${detail}`,
        'conflict',
      );
    case status === 429:
      return new RateLimitError(
        operation,
        body,
        `${call} was rate limited (429)${retryAfterMs === undefined ? '' : `; the API asked to wait ${retryAfterMs} ms`}`,
        retryAfterMs,
      );
    // A browser shows a redirect not followed as status 0 (an opaque redirect).
    case status === 0 || (status >= 300 && status < 400):
      return new APIError(
        operation,
        status,
        body,
        `${call} was answered with a redirect (${status === 0 ? 'opaque' : status}), which the client does not follow: check that baseUrl (STICKY_CALLS_BASE_URL) is the API's address`,
      );
    case status >= 500:
      return new InternalServerError(
        operation,
        status,
        body,
        `${call} failed on the API's side (${status}): ${detail}`,
        'server_error',
        true,
        retryAfterMs,
      );
    default:
      return new APIError(operation, status, body, `${call} answered ${status}: ${detail}`);
  }
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return body === '' ? 'empty body' : truncate(body);
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
  const issues = readIssues(body);
  const parts = [error, message].filter((p): p is string => typeof p === 'string' && p !== '');
  const head = parts.length > 0 ? truncate(parts.join(': ')) : 'no message';
  return issues.length > 0 ? `${head} (${formatIssues(issues)})` : head;
}

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * One API operation: attempts, retries and one overall deadline.
 *
 * ky prepares each attempt (the URL under the base URL, the method) and calls fetch.
 * Its own `retry` and `timeout` are switched off on purpose: ky's timeout covers only the wait for headers and restarts with every
 * retry, and ky cannot tell a replayed `end` from a first one. Here one deadline covers
 * every attempt, body reading and back-off included, and a per-attempt timeout lets a
 * hung attempt be retried in time.
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
import { setOwn } from './objects.js';
import type { ClientHooks, RetryOptions } from './options.js';
import { backoffDelay } from './retry.js';

/** What the transport needs, resolved from the client options. */
export interface TransportConfig {
  readonly apiKey: string;
  /** Hides the key, in every form it can be written, from what answers and errors bring back. */
  readonly redactor: KeyRedactor;
  readonly keyHint: string;
  readonly baseUrl: string;
  readonly fetch: typeof globalThis.fetch | undefined;
  readonly retry: Required<RetryOptions>;
  readonly hooks: ClientHooks;
  /** The ky instance: base URL, and ky's own retry and timeout off (see above). */
  readonly http: KyInstance;
  /** Every request's headers, the key's included, written once for the client's life. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The ky instance a client sends with, and the headers of every request. */
export function createHttp(
  baseUrl: string,
  apiKey: string,
  headers: Readonly<Record<string, string>>,
): { http: KyInstance; headers: Readonly<Record<string, string>> } {
  // Names in lower case, as fetch sends them: ours replace a given header of any case.
  const all: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) setOwn(all, name.toLowerCase(), value);
  all.authorization = `Bearer ${apiKey}`;
  all.accept = 'application/json';
  all['content-type'] = 'application/json';
  return {
    http: ky.create({ prefixUrl: baseUrl, retry: 0, timeout: false, throwHttpErrors: false }),
    headers: Object.freeze(all),
  };
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
        fetch: sendWith(config, json, signal),
      }),
      signal,
    );
    const text = await readText(response, signal);
    callHook(config.hooks.onResponse, {
      operation,
      callId,
      attempt: attemptNumber,
      status: response.status,
      durationMs: Date.now() - startedAt,
    });
    const parsed = readBody(text, config.redactor);

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
    const detail = config.redactor.text(describe(error));
    return new APIConnectionError(
      operation,
      config.redactor.text(`calls.${operation} could not reach ${hostOf(config.baseUrl)}: ${detail}`),
      {
        cause: config.redactor.holds(error)
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
 * The fetch ky calls. ky prepares the request (its URL under the base URL, its method)
 * without a body, and the body goes to fetch here as the string it already is, with the
 * headers written once per client and this attempt's signal. Handing ky the body or the
 * signal costs more than the whole client otherwise does: its Request streams the body
 * and clones that stream, and it merges signals through `AbortSignal.any`, which is slow
 * on Node 20. A `fetch` given in the options is called the same way, as `fetch(url, init)`.
 *
 * (A `beforeRequest` hook answering with the Response would also spare ky's clone of the
 * request, but ky takes a hook's answer only if it is `instanceof Response`, and Twilio's
 * runtime replaces the global `Response` with its own.)
 *
 * Redirects are not followed: fetch would resend a POST to a 301, 302 or 303 as a
 * GET without its body, and the page it lands on (a captive portal, a moved host)
 * could answer 2xx, which `calls.end` takes as a save. The key is sent to `baseUrl`
 * only; a redirect is an error that names it.
 */
function sendWith(config: TransportConfig, json: string, signal: AbortSignal): typeof globalThis.fetch {
  const fetch = config.fetch ?? globalThis.fetch;
  return (input) => {
    const request = input as Request;
    return fetch(request.url, {
      method: request.method,
      // A copy: a fetch given in the options may change what it is handed.
      headers: { ...config.headers },
      body: json,
      signal,
      redirect: 'manual',
    });
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
  // Cancelling the reader ends a pending read at once (as done), whatever the stream's
  // source does; the signal's reason is thrown then, never a body cut short.
  const onAbort = (): void => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
    // Most answers come in one chunk: decoded once, without copying.
    if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new TextDecoder().decode(bytes);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * An answer's body: its JSON, or its text (cut at 1,000 characters) when it is not
 * JSON, with the API key out of it either way. The key is looked for once the text is
 * decoded (an echo written with JSON escapes, `\u0073k_…`, `\/`, the HTML-safe
 * `\u003d`, is the key again once parsed), and in the text before it is cut (a cut must
 * never leave part of it).
 */
function readBody(text: string, redactor: KeyRedactor): unknown {
  if (text === '') return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const clean = redactor.text(text);
    return clean.length > 1000 ? `${clean.slice(0, 1000)}…` : clean;
  }
  return redactor.mayHold(text) ? redactor.value(parsed) : parsed;
}

/** Hides the API key from what an answer or an error brings back. */
export interface KeyRedactor {
  /** Whether a text may hold the key, as it is or escaped; most answers do not. */
  mayHold(text: string): boolean;
  /**
   * `text` with the key replaced by `[redacted]`, whether written as it is or escaped
   * character by character (JSON's `\uXXXX` and `\/`, `\xXX`, percent-encoding, HTML
   * character references); a text that holds it only under escapes of escapes is
   * withheld whole, since where the key sits in it cannot be said.
   */
  text(text: string): string;
  /** A parsed JSON value with the key out of every string, names included. */
  value(value: unknown): unknown;
  /** Whether a value (an error: message, stack, causes, any property, name or entry) holds the key. */
  holds(value: unknown): boolean;
}

const REDACTED = '[redacted]';
const WITHHELD = '[withheld: it held the API key]';
/** What an escape that some reader decodes starts with. */
const ESCAPE = /[\\%&]/;

/** The {@link KeyRedactor} of one API key. */
export function createRedactor(apiKey: string): KeyRedactor {
  // One alternation per character of the key: the character, or any escape of it.
  const pattern = new RegExp(Array.from(apiKey, escapedForms).join(''), 'g');
  const text = (value: string): string => {
    if (!ESCAPE.test(value)) return value.includes(apiKey) ? value.split(apiKey).join(REDACTED) : value;
    const replaced = value.replace(pattern, REDACTED);
    return ESCAPE.test(replaced) && decodeEscapes(replaced).includes(apiKey) ? WITHHELD : replaced;
  };
  const value = (item: unknown, depth = 0): unknown => {
    if (typeof item === 'string') return text(item);
    if (typeof item !== 'object' || item === null) return item;
    // JSON.parse builds plain data; past this depth nothing is worth keeping.
    if (depth > 64) return WITHHELD;
    if (Array.isArray(item)) return item.map((entry) => value(entry, depth + 1));
    const clean: Record<string, unknown> = {};
    for (const name of Object.keys(item)) {
      // Defined, not assigned: a name such as `__proto__` stays a name.
      Object.defineProperty(clean, text(name), {
        value: value((item as Record<string, unknown>)[name], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return clean;
  };
  const holds = (item: unknown, seen: Set<object>, depth: number): boolean => {
    if (typeof item === 'string') return text(item) !== item;
    if (typeof item === 'symbol') return holds(item.description ?? '', seen, depth);
    if (typeof item !== 'object' || item === null || seen.has(item)) return false;
    seen.add(item);
    // A request-like object carries the key in its headers; past this depth, nothing is vouched for.
    if (depth > 8 || 'headers' in item) return true;
    const entries: unknown[] = [];
    if (item instanceof Map) for (const [k, v] of item) entries.push(k, v);
    else if (item instanceof Set) for (const v of item) entries.push(v);
    for (const name of [...Object.getOwnPropertyNames(item), ...Object.getOwnPropertySymbols(item)]) {
      entries.push(name, (item as Record<string | symbol, unknown>)[name]);
    }
    return entries.some((entry) => holds(entry, seen, depth + 1));
  };
  return {
    mayHold: (body) => body.includes(apiKey) || ESCAPE.test(body),
    text,
    value: (item) => value(item),
    holds(item) {
      try {
        return holds(item, new Set(), 0);
      } catch {
        // A getter or a proxy trap that throws: what it hides cannot be vouched for.
        return true;
      }
    },
  };
}

/** A pattern for one character of the key: as it is, or escaped in any way a reader decodes. */
function escapedForms(char: string): string {
  const code = char.charCodeAt(0);
  const hex = code.toString(16).replace(/[a-f]/g, (digit) => `[${digit}${digit.toUpperCase()}]`);
  const literal = char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  const forms = [
    literal,
    // `\/`, `\"`, `\\`, and the identity escapes of JavaScript and util.inspect (`\'`).
    `\\\\${literal}`,
    `\\\\u0*${hex}`,
    `\\\\u\\{0*${hex}\\}`,
    `\\\\x0*${hex}`,
    `&#0*${code};?`,
    `&#[xX]0*${hex};?`,
  ];
  // Percent-encoding writes a byte: a character past ASCII would take several.
  if (code < 0x80) forms.push(`%0*${hex}`);
  const named = NAMED_REFERENCES[char];
  if (named !== undefined) forms.push(named);
  return `(?:${forms.join('|')})`;
}

/** The named HTML character references of the characters an HTML page escapes. */
const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** `text` with the escapes a reader may decode undone, repeatedly (escapes of escapes). */
function decodeEscapes(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round += 1) {
    const next = current
      .replace(/\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}/g, (_m, four: string, braced: string) =>
        codePoint(Number.parseInt(four ?? braced, 16)),
      )
      .replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => codePoint(Number.parseInt(hex, 16)))
      .replace(/\\(.)/g, '$1')
      .replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => codePoint(Number.parseInt(hex, 16)))
      .replace(/&#[xX]([0-9a-fA-F]{1,6});?|&#([0-9]{1,7});?/g, (_m, hex: string, decimal: string) =>
        codePoint(hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal, 10)),
      )
      .replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => DECODED_REFERENCES[name] ?? '');
    if (next === current) return current;
    current = next;
  }
  return current;
}

const DECODED_REFERENCES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function codePoint(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '';
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
  try {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    if (typeof cause?.code === 'string') return cause.code;
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    // A getter, a proxy trap or a toString that throws: the error says nothing readable.
    return 'an error that could not be read';
  }
}

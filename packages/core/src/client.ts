import type * as z from 'zod/mini';
import { DEFAULT_BASE_URL } from './constants.js';
import {
  type EndCallParams,
  type EndCallResponse,
  endCallParamsSchema,
  endCallResponseSchema,
  type StartCallParams,
  type StartCallResponse,
  startCallParamsSchema,
  startCallResponseSchema,
} from './contract.js';
import {
  ConfigurationError,
  type Operation,
  RequestValidationError,
  ResponseValidationError,
  type ValidationIssue,
} from './errors.js';
import { isRecord, setOwn } from './objects.js';
import type { ClientOptions, PerOperation, RequestOptions, RetryOptions } from './options.js';
import { maskApiKey, shownSetting } from './redact.js';
import { createHttp, createRedactor, send, type TransportConfig } from './transport.js';
import { toValidationIssues } from './zod-issues.js';

/** Default overall deadline per operation, in milliseconds. */
export const DEFAULT_TIMEOUT = { start: 5000, end: 8000 } as const;
const DEFAULT_RETRY: Required<RetryOptions> = { maxRetries: 2, initialDelayMs: 200, maxDelayMs: 2000 };
/** What `retry: false` sets: a single attempt. */
const DEFAULT_RETRY_OFF: RetryOptions = { maxRetries: 0 };

/**
 * What `calls.end` resolves with: the API's answer, or, when a retried attempt met
 * 409 because the first attempt had already landed, `already_saved: true` with the
 * ids from the request.
 */
export type EndCallResult = EndCallResponse & {
  call_id: string;
  /** `true` when the save was confirmed by a 409 answering a retry: the first attempt had landed. */
  already_saved: boolean;
};

/** The Sticky Calls client. Create one per process and reuse it. */
export interface StickyCallsClient {
  readonly calls: {
    /**
     * Identifies the caller and returns their stored context. New and returning
     * callers both resolve; a new caller has confidence 0 and no variables.
     *
     * @throws RequestValidationError when params are invalid (nothing is sent),
     *   an `APIError` subclass, `APIConnectionError`, `APITimeoutError`,
     *   `APIUserAbortError` or `ResponseValidationError`.
     * @example
     * const ctx = await sticky.calls.start({ call_id: 'CA123', identity_hints: { ani: '+14155551234' } });
     */
    start(params: StartCallParams, options?: RequestOptions): Promise<StartCallResponse>;
    /**
     * Saves what happened on the call: intent, its status and variables.
     *
     * @throws as `start`, except that a 2xx answer is always a save, whatever its body.
     * @example
     * await sticky.calls.end({ call_id: 'CA123', customer_ref: ctx.customer_ref, intent: 'billing_refund', intent_status: 'open' });
     */
    end(params: EndCallParams, options?: RequestOptions): Promise<EndCallResult>;
  };
}

/**
 * Creates a Sticky Calls client.
 *
 * @throws ConfigurationError when `apiKey` is missing or an option is out of range.
 * @example
 * const sticky = createStickyCallsClient({ apiKey: process.env.STICKY_CALLS_API_KEY });
 */
export function createStickyCallsClient(options: ClientOptions): StickyCallsClient {
  const { timeout, attemptTimeout, ...settings } = readSettings(options);
  const config: TransportConfig = {
    ...settings,
    keyHint: maskApiKey(settings.apiKey),
    redactor: createRedactor(settings.apiKey),
    ...createHttp(settings.baseUrl, settings.apiKey, settings.headers),
  };

  function limits(operation: Operation, requestOptions: RequestOptions | undefined) {
    const timeoutMs =
      requestOptions?.timeout === undefined
        ? timeout[operation]
        : positive('timeout', requestOptions.timeout);
    return {
      timeoutMs,
      // By default one attempt may use the whole deadline: an attempt abandoned while
      // the API is only slow has often landed already, and its retry would meet 409.
      attemptTimeoutMs: Math.min(attemptTimeout?.[operation] ?? timeoutMs, timeoutMs),
      signal: requestOptions?.signal,
    };
  }

  return {
    calls: {
      async start(params, requestOptions) {
        const body = validate('start', startCallParamsSchema, params);
        return send(config, 'start', body.call_id, body, limits('start', requestOptions), (answer) => {
          const parsed = startCallResponseSchema.safeParse(answer.body);
          if (!parsed.success) {
            throw new ResponseValidationError('start', answer.status, bodyIssues(answer.body, parsed.error));
          }
          return { ...parsed.data, call_id: parsed.data.call_id ?? body.call_id };
        });
      },

      async end(params, requestOptions) {
        const body = validate('end', endCallParamsSchema, params);
        return send(config, 'end', body.call_id, body, limits('end', requestOptions), (answer) => {
          // Any 2xx is a save: what its body says is read where it can be, never required.
          const parsed = endCallResponseSchema.safeParse(answer.replayed ? {} : answer.body);
          const data = parsed.success ? parsed.data : endCallResponseSchema.parse({});
          return {
            ...data,
            call_id: data.call_id ?? body.call_id,
            customer_ref: data.customer_ref ?? body.customer_ref ?? null,
            already_saved: answer.replayed,
          };
        });
      },
    },
  };
}

/**
 * Checks client options as {@link createStickyCallsClient} does, without building a
 * client: for code that makes clients later, per key (a Function reads its key at call
 * time), and wants a wrong option to fail where it is written.
 *
 * @throws ConfigurationError naming the first option out of range.
 */
export function checkClientOptions(options: Omit<ClientOptions, 'apiKey'>): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('client options must be an object');
  }
  readSettings({ ...options, apiKey: 'sk_options_check' });
}

/** The options, checked, with their defaults: everything but what is built from them. */
function readSettings(options: ClientOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createStickyCallsClient needs an options object with apiKey');
  }
  const { apiKey } = options;
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new ConfigurationError(
      'createStickyCallsClient needs apiKey: set STICKY_CALLS_API_KEY (or pass apiKey) to your Sticky Calls key',
    );
  }
  // Checked here so that fetch never throws a message that quotes the key.
  if (!/^[\x21-\x7e]+$/.test(apiKey.trim())) {
    throw new ConfigurationError(
      'apiKey holds a space, line break or other character that cannot be sent in a header: check STICKY_CALLS_API_KEY',
    );
  }
  // No message below quotes a value given as text: a key pasted into the wrong setting
  // (STICKY_CALLS_BASE_URL, a header) would be logged with it. Numbers are shown.
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  const url = httpUrl(baseUrl);
  if (url === undefined) {
    throw new ConfigurationError(
      'baseUrl must be an http(s) URL such as https://api.stickycalls.com: check STICKY_CALLS_BASE_URL (the value given is not shown: it may be a secret)',
    );
  }
  // fetch refuses such a URL with an error that quotes it, password included.
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      'baseUrl must not hold a user name or password (the API key goes in apiKey): check STICKY_CALLS_BASE_URL (the value given is not shown: it may be a secret)',
    );
  }
  if (options.retry !== undefined && options.retry !== false && !isRecord(options.retry)) {
    throw new ConfigurationError('retry must be false or an object such as { maxRetries: 2 }');
  }
  const retry = { ...DEFAULT_RETRY };
  for (const name of Object.keys(DEFAULT_RETRY) as (keyof RetryOptions)[]) {
    const value = options.retry === false ? DEFAULT_RETRY_OFF[name] : options.retry?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(`retry.${name} must be a number of 0 or more, got ${shownSetting(value)}`);
    }
    retry[name] = value;
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError('fetch must be a function such as globalThis.fetch');
  }
  const headers = checkHeaders(options.headers);
  const timeout = perOperation('timeout', options.timeout, DEFAULT_TIMEOUT);
  return {
    apiKey: apiKey.trim(),
    baseUrl,
    fetch: options.fetch,
    retry,
    hooks: options.hooks ?? {},
    headers,
    timeout,
    attemptTimeout:
      options.attemptTimeout === undefined
        ? undefined
        : perOperation('attemptTimeout', options.attemptTimeout, timeout),
  };
}

/**
 * The extra headers, checked here: fetch's own error would quote a bad one. A header is
 * named by its place, never by its name or value: a key pasted into either would be logged.
 */
function checkHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    throw new ConfigurationError('headers must be an object of header names and text values');
  }
  const headers: Record<string, string> = {};
  const names = Object.keys(value);
  names.forEach((name, index) => {
    const which = `headers (its header number ${index + 1} of ${names.length})`;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new ConfigurationError(
        `${which} has a name that is not a valid HTTP header name (it is not shown: it may be a secret)`,
      );
    }
    const text = value[name];
    if (typeof text !== 'string' || !/^[\t\x20-\x7e\x80-\xff]*$/.test(text)) {
      throw new ConfigurationError(
        `${which} must have a text value without line breaks, control characters or characters past Latin-1 (it is not shown: it may be a secret)`,
      );
    }
    // The key goes in its own header: one given here never replaces it.
    if (name.toLowerCase() !== 'authorization') setOwn(headers, name, text);
  });
  return headers;
}

function perOperation(
  name: string,
  value: PerOperation<number> | undefined,
  fallback: Readonly<Record<Operation, number>>,
): Record<Operation, number> {
  if (value === undefined) return { ...fallback };
  if (typeof value === 'number') return { start: positive(name, value), end: positive(name, value) };
  if (!isRecord(value)) {
    throw new ConfigurationError(
      `${name} must be a positive number of milliseconds or { start, end }, got ${shownSetting(value)}`,
    );
  }
  return {
    start: value.start === undefined ? fallback.start : positive(`${name}.start`, value.start),
    end: value.end === undefined ? fallback.end : positive(`${name}.end`, value.end),
  };
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `${name} must be a positive number of milliseconds, got ${shownSetting(value)}`,
    );
  }
  return value;
}

function validate<S extends z.ZodMiniType>(operation: Operation, schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new RequestValidationError(operation, toValidationIssues(parsed.error));
  return parsed.data;
}

function bodyIssues(body: unknown, error: z.core.$ZodError): ValidationIssue[] {
  if (typeof body === 'string') {
    return [{ path: [], message: body === '' ? 'the body is empty' : 'the body is not JSON' }];
  }
  if (!isRecord(body)) return [{ path: [], message: 'the body is not a JSON object' }];
  return toValidationIssues(error);
}

function httpUrl(value: unknown): URL | undefined {
  try {
    const url = typeof value === 'string' ? new URL(value) : undefined;
    return url !== undefined && /^https?:$/.test(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

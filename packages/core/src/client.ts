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
import { isRecord } from './objects.js';
import type { ClientOptions, PerOperation, RequestOptions, RetryOptions } from './options.js';
import { maskApiKey } from './redact.js';
import { createHttp, send, type TransportConfig } from './transport.js';
import { toValidationIssues } from './zod-issues.js';

/** Default overall deadline per operation, in milliseconds. */
export const DEFAULT_TIMEOUT = { start: 5000, end: 8000 } as const;
const DEFAULT_RETRY: Required<RetryOptions> = { maxRetries: 2, initialDelayMs: 200, maxDelayMs: 2000 };

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
  const config = resolveConfig(options);
  const timeout = perOperation('timeout', options.timeout, DEFAULT_TIMEOUT);
  const attemptTimeout =
    options.attemptTimeout === undefined
      ? undefined
      : perOperation('attemptTimeout', options.attemptTimeout, timeout);

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

function resolveConfig(options: ClientOptions): TransportConfig {
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
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  if (!isHttpUrl(baseUrl)) {
    throw new ConfigurationError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  const retry =
    options.retry === false ? { ...DEFAULT_RETRY, maxRetries: 0 } : { ...DEFAULT_RETRY, ...options.retry };
  for (const [name, value] of Object.entries(retry)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(`retry.${name} must be a number of 0 or more, got ${String(value)}`);
    }
  }
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
  return {
    apiKey: apiKey.trim(),
    keyHint: maskApiKey(apiKey.trim()),
    baseUrl,
    fetch: options.fetch,
    retry,
    hooks: options.hooks ?? {},
    http: createHttp(baseUrl, apiKey.trim(), headers),
  };
}

function perOperation(
  name: string,
  value: PerOperation<number> | undefined,
  fallback: Readonly<Record<Operation, number>>,
): Record<Operation, number> {
  if (value === undefined) return { ...fallback };
  if (typeof value === 'number') return { start: positive(name, value), end: positive(name, value) };
  return {
    start: value.start === undefined ? fallback.start : positive(`${name}.start`, value.start),
    end: value.end === undefined ? fallback.end : positive(`${name}.end`, value.end),
  };
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
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

function isHttpUrl(value: unknown): boolean {
  try {
    return typeof value === 'string' && /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

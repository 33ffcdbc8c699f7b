/**
 * A stateful in-memory Sticky Calls API, for tests and local demos.
 *
 * It follows the documented contract on its own (it does not reuse the client's
 * schemas, so a client that drifts from the contract is caught): Bearer keys, the
 * documented validation and error bodies, 409 on a repeated call_id, returning
 * callers identified by ANI, external ids and customer_ref with confidence scored
 * in the spirit of the documented weights, variables with TTLs, open intents with
 * attempt counts, an optional monthly quota and per-minute rate limit, and faults
 * injected on demand. It speaks web-standard `Request`/`Response`, so msw and the
 * loopback server share it.
 */
import { randomUUID } from 'node:crypto';
import { scoreMatch } from './scoring.js';

/** A fault to answer with instead of the normal behaviour. */
export type Fault =
  /**
   * Any status from 200 to 599 with an error body (or `body`), e.g. 402, 429 (with
   * `retryAfter` in seconds or as a date string), 500, 503; 204, 205 and 304 with no body.
   */
  | { type: 'status'; status: number; retryAfter?: number | string; body?: unknown }
  /** Never answer (until the client gives up or the emulator is reset). */
  | { type: 'hang' }
  /** Answer normally, after a delay. */
  | { type: 'delay'; ms: number }
  /** Answer 200 with the normal body, sent in small chunks spread over `ms`. */
  | { type: 'slow_body'; ms: number }
  /** Answer 200 with a body that is not JSON. */
  | { type: 'malformed_json' }
  /** Answer 200 with JSON that does not follow the contract (`body`, or a renamed `customerRef` by default). */
  | { type: 'schema_drift'; body?: unknown }
  /** Drop the connection without an answer. */
  | { type: 'network_error' };

/** Where and how often a fault applies. */
export interface FaultScope {
  /** Only this operation. @default both */
  operation?: 'start' | 'end';
  /** How many requests it answers, then normal behaviour resumes. @default 1 */
  times?: number;
}

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /**
   * Keys the emulator accepts as `Authorization: Bearer <key>`; others get 401.
   * @default ['sk_test_emulator']
   */
  apiKeys?: readonly string[];
  /** Successful calls allowed in all; past it, 402. @default unlimited */
  monthlyQuota?: number;
  /** Requests per rolling 60 s; past it, 429 with Retry-After. @default unlimited */
  rateLimitPerMinute?: number;
  /** The clock, for tests of recency and TTLs. @default () => new Date() */
  now?: () => Date;
  /** Longest a `hang` fault holds a request. @default 60000 */
  maxHangMs?: number;
}

/** A request the emulator received, without its Authorization header. */
export interface RecordedRequest {
  readonly operation: string;
  readonly body: unknown;
  readonly status: number;
  readonly at: Date;
}

interface StoredVariable {
  value: string;
  source: string | null;
  expiresAt: number;
}

/** A customer as the emulator remembers them. */
export interface EmulatedCustomer {
  readonly customerRef: string;
  readonly anis: ReadonlySet<string>;
  readonly externalIds: ReadonlyMap<string, string>;
  readonly variables: ReadonlyMap<string, Readonly<StoredVariable>>;
  readonly intents: ReadonlyMap<string, { readonly status: string; readonly attemptCount: number }>;
  readonly lastCallAt: Date | undefined;
}

interface Customer {
  customerRef: string;
  anis: Set<string>;
  externalIds: Map<string, string>;
  variables: Map<string, StoredVariable>;
  intents: Map<string, { status: string; attemptCount: number }>;
  lastCallAt: Date | undefined;
}

interface CallRecord {
  customerRef: string;
  startedAt: Date;
  ended: boolean;
}

/** The emulated API. */
export interface Emulator {
  /** Answers one HTTP request, as the API would. */
  handle(request: Request): Promise<Response>;
  /**
   * Answers the next matching request(s) with a fault. Faults queue in order.
   *
   * @throws TypeError for an unknown type (the message lists the known ones), a field the
   *   type does not take, or one that is missing or unusable: nothing is queued then.
   */
  inject(fault: Fault & FaultScope): void;
  /** Removes queued faults and releases hanging requests. */
  clearFaults(): void;
  /** Forgets customers, calls, usage and faults. */
  reset(): void;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Successful calls so far (what the quota counts). */
  readonly usage: { readonly start: number; readonly end: number };
  /** The customers remembered so far. */
  customers(): EmulatedCustomer[];
}

const TTL_SECONDS = 30 * 24 * 60 * 60;
const INTENT_STATUSES = new Set(['open', 'resolved', 'abandoned']);
const LINE_TYPES = new Set(['mobile', 'landline', 'voip', 'unknown']);
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Creates an emulated Sticky Calls API.
 *
 * @example
 * const emulator = createEmulator();
 * emulator.inject({ type: 'status', status: 503, times: 2 });
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const apiKeys = new Set(options.apiKeys ?? ['sk_test_emulator']);
  const now = options.now ?? (() => new Date());
  const maxHangMs = options.maxHangMs ?? 60_000;
  let customers = new Map<string, Customer>();
  // Customers by what identifies them, so that a call scores only those it could match,
  // however many the emulator remembers.
  let byAni = new Map<string, Set<Customer>>();
  let byExternalId = new Map<string, Set<Customer>>();
  let created = new WeakMap<Customer, number>();
  let sequence = 0;
  let calls = new Map<string, CallRecord>();
  let faults: (Fault & { operation?: 'start' | 'end'; remaining: number })[] = [];
  let hanging = new Set<() => void>();
  let resets = 0;
  const requests: RecordedRequest[] = [];
  const usage = { start: 0, end: 0 };
  const recentRequests: number[] = [];

  async function handle(request: Request): Promise<Response> {
    const operation = /\/v1\/calls\/([^/?#]+)$/.exec(new URL(request.url).pathname)?.[1] ?? '';
    const text = await request.text();
    const body = parseJson(text);
    const generation = resets;
    const respond = (response: Response): Response => {
      // A request released by reset() belongs to the forgotten history.
      if (generation === resets)
        requests.push({ operation, body: body ?? text, status: response.status, at: now() });
      return response;
    };

    if (request.method !== 'POST' || (operation !== 'start' && operation !== 'end')) {
      return respond(
        errorResponse(404, 'Not Found', `No route for ${request.method} ${new URL(request.url).pathname}`),
      );
    }
    const fault = takeFault(operation);
    if (fault?.type === 'network_error') return respond(Response.error());
    if (fault?.type === 'hang') {
      await hang(request.signal);
      return respond(Response.error());
    }
    if (fault?.type === 'status') return respond(faultResponse(fault));
    if (fault?.type === 'delay') await sleep(fault.ms);

    const key = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    if (key === undefined || !apiKeys.has(key)) {
      return respond(errorResponse(401, 'Unauthorized', 'Invalid or missing API key'));
    }
    if (options.rateLimitPerMinute !== undefined) {
      const cutoff = now().getTime() - 60_000;
      while (recentRequests.length > 0 && (recentRequests[0] ?? 0) <= cutoff) recentRequests.shift();
      if (recentRequests.length >= options.rateLimitPerMinute) {
        const retryAfter = Math.max(
          1,
          Math.ceil(((recentRequests[0] ?? 0) + 60_000 - now().getTime()) / 1000),
        );
        return respond(
          errorResponse(429, 'Too Many Requests', 'Rate limit exceeded', {
            'retry-after': String(retryAfter),
          }),
        );
      }
      recentRequests.push(now().getTime());
    }
    if (body === undefined) return respond(errorResponse(400, 'Bad Request', 'Invalid JSON body'));
    if (options.monthlyQuota !== undefined && usage.start + usage.end >= options.monthlyQuota) {
      return respond(errorResponse(402, 'Payment Required', 'Insufficient credits'));
    }

    const result = operation === 'start' ? start(body) : end(body);
    if (!('body' in result)) {
      return respond(errorResponse(result.status, result.error, result.message, {}, result.issues));
    }
    usage[operation] += 1;
    switch (fault?.type) {
      case 'malformed_json':
        return respond(new Response(JSON.stringify(result.body).slice(0, 25), jsonHeaders()));
      case 'schema_drift':
        return respond(Response.json(fault.body ?? drift(result.body)));
      case 'slow_body':
        return respond(slowJson(result.body, fault.ms));
      default:
        return respond(Response.json(result.body));
    }
  }

  function start(body: unknown): Result {
    const issues = [...checkCallId(body), ...checkHints(body, 'identity_hints', true)];
    const lineType = (body as { telco?: { line_type?: unknown } } | null)?.telco?.line_type;
    if (lineType !== undefined && !LINE_TYPES.has(lineType as string)) {
      issues.push({ path: ['telco', 'line_type'], message: 'Invalid enum value' });
    }
    if (issues.length > 0) return validationFailed(issues);
    const { call_id: callId, identity_hints: hints } = body as { call_id: string; identity_hints: Hints };
    if (calls.has(callId)) return conflict();

    const at = now();
    const match = identify(hints, (lineType as string | undefined) ?? 'unknown', at);
    const customer = match?.customer ?? newCustomer();
    remember(customer, hints);
    calls.set(callId, { customerRef: customer.customerRef, startedAt: at, ended: false });
    const score = match?.score ?? { confidence: 0, sources: [] };
    customer.lastCallAt = at;

    return {
      status: 200,
      body: {
        call_id: callId,
        customer_ref: customer.customerRef,
        call_start: at.toISOString(),
        identity: {
          confidence: score.confidence,
          level: levelFor(score.confidence),
          sources: score.sources,
          recommendation: score.confidence >= 0.5 ? 'reuse' : score.confidence >= 0.3 ? 'confirm' : 'ignore',
        },
        open_intents: match
          ? [...customer.intents]
              .filter(([, intent]) => intent.status === 'open')
              .map(([intent, state]) => ({ intent, status: state.status, attempt_count: state.attemptCount }))
          : [],
        variables: match ? liveVariables(customer, at) : {},
      },
    };
  }

  function end(body: unknown): Result {
    const issues = checkCallId(body);
    const params = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (params.customer_ref === undefined && params.identity_hints === undefined) {
      issues.push({ path: ['customer_ref'], message: 'customer_ref or identity_hints is required' });
    }
    if (
      params.customer_ref !== undefined &&
      (typeof params.customer_ref !== 'string' || params.customer_ref === '')
    ) {
      issues.push({ path: ['customer_ref'], message: 'Expected a non-empty string' });
    }
    if (params.identity_hints !== undefined) issues.push(...checkHints(body, 'identity_hints', true));
    if (params.intent !== undefined && (typeof params.intent !== 'string' || params.intent === '')) {
      issues.push({ path: ['intent'], message: 'Expected a non-empty string' });
    }
    if (params.intent_status !== undefined && !INTENT_STATUSES.has(params.intent_status as string)) {
      issues.push({ path: ['intent_status'], message: "Expected 'open' | 'resolved' | 'abandoned'" });
    }
    const variables = params.variables;
    if (variables !== undefined) {
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
        issues.push({ path: ['variables'], message: 'Expected an object' });
      } else {
        for (const [name, value] of Object.entries(variables)) {
          if (typeof value !== 'string')
            issues.push({ path: ['variables', name], message: 'Expected a string' });
        }
      }
    }
    if (issues.length > 0) return validationFailed(issues);

    const callId = params.call_id as string;
    const call = calls.get(callId);
    if (call?.ended) return conflict();
    const at = now();
    let customer: Customer | undefined;
    if (typeof params.customer_ref === 'string') {
      customer = customers.get(params.customer_ref);
      if (customer === undefined) {
        return validationFailed([{ path: ['customer_ref'], message: 'Unknown customer_ref' }]);
      }
    } else {
      const hints = params.identity_hints as Hints;
      customer = identify(hints, 'unknown', at)?.customer ?? newCustomer();
      remember(customer, hints);
    }

    let intentsUpdated = 0;
    if (typeof params.intent === 'string') {
      const status = (params.intent_status as string | undefined) ?? 'open';
      const previous = customer.intents.get(params.intent);
      const openBefore = previous?.status === 'open' ? previous.attemptCount : 0;
      // An open end counts one more attempt; resolved and abandoned close the intent, keeping its count.
      const attemptCount = status === 'open' ? openBefore + 1 : (previous?.attemptCount ?? 0);
      customer.intents.set(params.intent, { status, attemptCount });
      intentsUpdated = 1;
    }
    const saved = Object.entries((variables ?? {}) as Record<string, string>);
    for (const [name, value] of saved) {
      customer.variables.set(name, { value, source: null, expiresAt: at.getTime() + TTL_SECONDS * 1000 });
    }
    customer.lastCallAt = at;
    const startedAt = call?.startedAt ?? at;
    calls.set(callId, { customerRef: customer.customerRef, startedAt, ended: true });
    return {
      status: 200,
      body: {
        call_id: callId,
        customer_ref: customer.customerRef,
        call_start: startedAt.toISOString(),
        call_end: at.toISOString(),
        duration_seconds: Math.round((at.getTime() - startedAt.getTime()) / 1000),
        intents_updated: intentsUpdated,
        variables_updated: saved.length,
      },
    };
  }

  function identify(
    hints: Hints,
    lineType: string,
    at: Date,
  ): { customer: Customer; score: Score } | undefined {
    let best: { customer: Customer; score: Score } | undefined;
    const candidates = new Set<Customer>();
    const byRef = hints.customer_ref === undefined ? undefined : customers.get(hints.customer_ref);
    if (byRef !== undefined) candidates.add(byRef);
    if (hints.ani !== undefined) for (const customer of byAni.get(hints.ani) ?? []) candidates.add(customer);
    for (const [name, value] of Object.entries(hints.external_ids ?? {})) {
      for (const customer of byExternalId.get(externalIdKey(name, value)) ?? []) candidates.add(customer);
    }
    // In the order they were created: of equal scores, the first customer wins.
    const ordered = [...candidates].sort((a, b) => (created.get(a) ?? 0) - (created.get(b) ?? 0));
    for (const customer of ordered) {
      const score = scoreMatch(customer, hints, lineType, at);
      if (score !== undefined && (best === undefined || score.confidence > best.score.confidence)) {
        best = { customer, score };
      }
    }
    return best;
  }

  function newCustomer(): Customer {
    const customer: Customer = {
      customerRef: randomUUID(),
      anis: new Set(),
      externalIds: new Map(),
      variables: new Map(),
      intents: new Map(),
      lastCallAt: undefined,
    };
    sequence += 1;
    created.set(customer, sequence);
    customers.set(customer.customerRef, customer);
    return customer;
  }

  function remember(customer: Customer, hints: Hints): void {
    if (hints.ani !== undefined) {
      customer.anis.add(hints.ani);
      indexed(byAni, hints.ani).add(customer);
    }
    for (const [name, value] of Object.entries(hints.external_ids ?? {})) {
      const previous = customer.externalIds.get(name);
      if (previous !== undefined) byExternalId.get(externalIdKey(name, previous))?.delete(customer);
      customer.externalIds.set(name, value);
      indexed(byExternalId, externalIdKey(name, value)).add(customer);
    }
  }

  function takeFault(operation: 'start' | 'end'): Fault | undefined {
    const index = faults.findIndex((fault) => fault.operation === undefined || fault.operation === operation);
    const fault = faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  function hang(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const release = (): void => {
        clearTimeout(timer);
        hanging.delete(release);
        resolve();
      };
      const timer = setTimeout(release, maxHangMs);
      timer.unref?.();
      hanging.add(release);
      signal.addEventListener('abort', release, { once: true });
    });
  }

  function liveVariables(customer: Customer, at: Date): Record<string, unknown> {
    const live: Record<string, unknown> = {};
    for (const [name, variable] of customer.variables) {
      const ttl = Math.floor((variable.expiresAt - at.getTime()) / 1000);
      // Defined, not assigned: a variable named `__proto__` is carried like any other.
      if (ttl > 0)
        Object.defineProperty(live, name, {
          value: { value: variable.value, source: variable.source, ttl_seconds: ttl },
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else customer.variables.delete(name);
    }
    return live;
  }

  function clearFaults(): void {
    faults = [];
    for (const release of [...hanging]) release();
  }

  return {
    handle,
    inject(fault) {
      const { times = 1, ...rest } = checkFault(fault);
      faults.push({ ...rest, remaining: times });
    },
    clearFaults,
    reset() {
      resets += 1;
      clearFaults();
      customers = new Map();
      byAni = new Map();
      byExternalId = new Map();
      created = new WeakMap();
      calls = new Map();
      hanging = new Set();
      requests.length = 0;
      usage.start = 0;
      usage.end = 0;
      recentRequests.length = 0;
    },
    requests,
    usage,
    customers: () => [...customers.values()].map((customer) => ({ ...customer })),
  };
}

// ---------------------------------------------------------------------------

/** Identity hints as the emulator reads them. */
export interface Hints {
  ani?: string;
  dnis?: string;
  external_ids?: Record<string, string>;
  customer_ref?: string;
}

/** A match's confidence and why. */
export interface Score {
  confidence: number;
  sources: string[];
}

type Issue = { path: (string | number)[]; message: string };
type Result =
  | { status: 200; body: unknown }
  | { status: number; error: string; message: string; issues?: Issue[] | undefined };

function externalIdKey(name: string, value: string): string {
  return `${name}\u0000${value}`;
}

function indexed<K>(index: Map<K, Set<Customer>>, key: K): Set<Customer> {
  let customers = index.get(key);
  if (customers === undefined) {
    customers = new Set();
    index.set(key, customers);
  }
  return customers;
}

function checkCallId(body: unknown): Issue[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ path: [], message: 'Expected an object' }];
  }
  const callId = (body as { call_id?: unknown }).call_id;
  if (typeof callId !== 'string') return [{ path: ['call_id'], message: 'Required' }];
  if (callId.length < 1 || callId.length > 128) {
    return [{ path: ['call_id'], message: 'call_id must be 1 to 128 characters' }];
  }
  return [];
}

function checkHints(body: unknown, field: string, required: boolean): Issue[] {
  const hints = (body as Record<string, unknown> | null)?.[field] as Record<string, unknown> | undefined;
  if (hints === undefined) return required ? [{ path: [field], message: 'Required' }] : [];
  if (typeof hints !== 'object' || hints === null) return [{ path: [field], message: 'Expected an object' }];
  const issues: Issue[] = [];
  if (hints.ani !== undefined && (typeof hints.ani !== 'string' || !E164.test(hints.ani))) {
    issues.push({ path: [field, 'ani'], message: 'ani must be E.164' });
  }
  const externalIds = hints.external_ids;
  if (externalIds !== undefined) {
    if (typeof externalIds !== 'object' || externalIds === null || Array.isArray(externalIds)) {
      issues.push({ path: [field, 'external_ids'], message: 'Expected an object' });
    } else {
      for (const [name, value] of Object.entries(externalIds)) {
        if (typeof value !== 'string' || value === '') {
          issues.push({ path: [field, 'external_ids', name], message: 'Expected a non-empty string' });
        }
      }
    }
  }
  if (
    hints.customer_ref !== undefined &&
    (typeof hints.customer_ref !== 'string' || hints.customer_ref === '')
  ) {
    issues.push({ path: [field, 'customer_ref'], message: 'Expected a non-empty string' });
  }
  const hasHint =
    hints.ani !== undefined ||
    hints.customer_ref !== undefined ||
    (typeof externalIds === 'object' && externalIds !== null && Object.keys(externalIds).length > 0);
  if (!hasHint)
    issues.push({ path: [field], message: 'identity_hints must include ani, external_ids, or customer_ref' });
  return issues;
}

function levelFor(confidence: number): string {
  if (confidence >= 0.9) return 'very_high';
  if (confidence >= 0.7) return 'high';
  if (confidence >= 0.5) return 'medium';
  return 'low';
}

function validationFailed(issues: Issue[]): Result {
  return { status: 400, error: 'Bad Request', message: 'Validation failed', issues };
}

function conflict(): Result {
  return { status: 409, error: 'Conflict', message: 'use unique call_id' };
}

function jsonHeaders(extra: Record<string, string> = {}): ResponseInit {
  return { headers: { 'content-type': 'application/json', ...extra } };
}

function errorResponse(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
  issues?: Issue[],
): Response {
  const body = issues === undefined ? { error, message } : { error, message, details: { issues } };
  return new Response(JSON.stringify(body), { status, ...jsonHeaders(headers) });
}

/** The fields each fault type takes, besides `type`, `operation` and `times`; its keys are the known types. */
const FAULT_FIELDS: Readonly<Record<Fault['type'], readonly string[]>> = {
  status: ['status', 'retryAfter', 'body'],
  hang: [],
  delay: ['ms'],
  slow_body: ['ms'],
  malformed_json: [],
  schema_drift: ['body'],
  network_error: [],
};
const FAULT_TYPES = Object.keys(FAULT_FIELDS) as Fault['type'][];
/** Statuses whose answers carry no body (a `Response` with one cannot be built). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
/** The longest wait a timer can hold (a longer one would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A fault as `inject` takes it, checked: an unknown type, a field the type does not
 * take, or one that is missing or unusable is a mistake in the test, said at once
 * rather than found when a later request is answered wrongly, or not at all.
 */
function checkFault(value: unknown): Fault & { operation?: 'start' | 'end'; times: number } {
  const known = `the known types are ${FAULT_TYPES.join(', ')}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `inject: a fault must be an object such as { type: 'status', status: 503 }; ${known}`,
    );
  }
  const fault = value as Record<string, unknown>;
  const type = fault.type;
  if (typeof type !== 'string' || !FAULT_TYPES.includes(type as Fault['type'])) {
    const given = typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : `a ${typeof type}`;
    throw new TypeError(`inject: unknown fault type ${given}; ${known}`);
  }
  const fields = ['type', 'operation', 'times', ...FAULT_FIELDS[type as Fault['type']]];
  for (const name of Object.keys(fault)) {
    if (fault[name] !== undefined && !fields.includes(name)) {
      const hint =
        type === 'hang' && name === 'ms'
          ? ' (a hang lasts until the request is aborted, clearFaults() or maxHangMs; a delay answers late)'
          : '';
      throw new TypeError(
        `inject: a ${type} fault takes no ${JSON.stringify(name.slice(0, 40))}${hint}; it takes ${fields.join(', ')}`,
      );
    }
  }
  const { operation, times = 1 } = fault;
  if (operation !== undefined && operation !== 'start' && operation !== 'end') {
    throw new TypeError('inject: operation must be "start" or "end" (or left out for both)');
  }
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
    throw new TypeError(`inject: times must be a whole number of 1 or more, got ${shown(times)}`);
  }
  if (type === 'status') {
    const { status, retryAfter, body } = fault;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      throw new TypeError(
        `inject: a status fault needs a whole-number status from 200 to 599 (what a Response can carry), got ${shown(status)}`,
      );
    }
    const header =
      retryAfter === undefined ||
      // Any number, negative included: a test may check how a client reads a bad header.
      (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) ||
      (typeof retryAfter === 'string' && /^[\t\x20-\x7e]*$/.test(retryAfter));
    if (!header) {
      throw new TypeError(
        `inject: retryAfter must be seconds (a finite number) or header text such as an HTTP date, without line breaks; got ${shown(retryAfter)}`,
      );
    }
    if (body !== undefined && NULL_BODY_STATUSES.has(status)) {
      throw new TypeError(`inject: a ${status} answer carries no body: leave body out`);
    }
  }
  if (type === 'status' || type === 'schema_drift') checkBody(fault.body);
  if (type === 'delay' || type === 'slow_body') {
    const { ms } = fault;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
      throw new TypeError(
        `inject: a ${type} fault needs ms, a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${shown(ms)}`,
      );
    }
  }
  return { ...(fault as unknown as Fault), times };
}

/** A fault's `body` must be JSON data: it is sent as JSON text. */
function checkBody(body: unknown): void {
  if (body === undefined) return;
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    throw new TypeError(
      'inject: body must be JSON data (no function, bigint or cycle): it is sent as JSON text',
    );
  }
}

/** A value an error may show: a number as it is, anything else by its kind only. */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : `a ${value === null ? 'null' : typeof value}`;
}

function faultResponse(fault: Extract<Fault, { type: 'status' }>): Response {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  // 204, 205 and 304 answer as asked: with no body at all.
  if (NULL_BODY_STATUSES.has(fault.status)) return new Response(null, { status: fault.status, headers });
  const reason: Record<number, [string, string]> = {
    402: ['Payment Required', 'Insufficient credits'],
    429: ['Too Many Requests', 'Rate limit exceeded'],
  };
  const [error, message] = reason[fault.status] ?? [
    fault.status === 503 ? 'Service Unavailable' : fault.status >= 500 ? 'Internal Server Error' : 'Error',
    'Injected fault',
  ];
  if (fault.body !== undefined) {
    return new Response(JSON.stringify(fault.body), { status: fault.status, ...jsonHeaders(headers) });
  }
  return errorResponse(fault.status, error, message, headers);
}

function drift(body: unknown): unknown {
  const { customer_ref: customerRef, ...rest } = body as Record<string, unknown>;
  return { ...rest, customerRef };
}

function slowJson(body: unknown, ms: number): Response {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const chunks = 10;
  const size = Math.ceil(bytes.length / chunks);
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(ms / chunks);
      const chunk = bytes.subarray(index * size, (index + 1) * size);
      index += 1;
      if (chunk.length > 0) controller.enqueue(chunk);
      if (index >= chunks || chunk.length === 0) controller.close();
    },
  });
  return new Response(stream, jsonHeaders());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

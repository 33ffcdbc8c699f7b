/**
 * The TaskRouter calls the save handler and the safety net make, through a requester
 * with the shape of the Twilio client's low-level `request()` (the generated resources
 * expose neither a task's ETag nor `If-Match` on fetch): the runtime's Twilio client in
 * Functions, `fetch` elsewhere ({@link fetchTwilioRequester}). Twilio's own errors are
 * never passed on: their request config holds the account's Basic auth header.
 */
import { ConfigurationError } from '../errors.js';
import type { HandlerEnv } from './kit.js';

/** A task as the save Function needs it. */
export interface TaskRouterTask {
  /** The task's attributes, as TaskRouter keeps them (JSON text). */
  readonly attributes: string;
  /** `pending`, `reserved`, `assigned`, `wrapping`, `completed`, `canceled`. */
  readonly assignmentStatus: string;
  /** The task's version, for `If-Match` on the next update; `undefined` when TaskRouter sent none. */
  readonly etag: string | undefined;
}

/** What an attributes update came to. */
export type AttributesUpdate =
  /** Written. */
  | 'updated'
  /** The task changed since it was fetched (412): fetch it again and merge again. */
  | 'conflict'
  /** TaskRouter no longer has the task (404). */
  | 'gone';

/** The TaskRouter reads and writes of the save Function, in one workspace. */
export interface TaskRouterPort {
  /** The task, or `null` when TaskRouter does not have it (404). */
  fetchTask(taskSid: string): Promise<TaskRouterTask | null>;
  /**
   * The tasks of a call (`call_sid == "CA…"`), newest first as TaskRouter lists them.
   * Anything but a call sid (`CA` and 32 hex digits) finds nothing, without a request.
   */
  findTasksByCall(callSid: string): Promise<readonly string[]>;
  /**
   * The statuses of the worker's reservations on the task (`accepted`, `wrapping`, …);
   * `[]` for none, `null` when TaskRouter does not have the task (404).
   */
  workerReservationStatuses(taskSid: string, workerSid: string): Promise<readonly string[] | null>;
  /**
   * Replaces the task's attributes, only when the task is still at `etag` (`If-Match`).
   * Never written without one: a task fetched without an ETag is fetched again.
   */
  updateAttributes(taskSid: string, attributes: string, etag: string): Promise<AttributesUpdate>;
}

/** TaskRouter failed or could not be reached. Its message is safe to log: it never holds a credential. */
export class TaskRouterError extends Error {
  override readonly name = 'TaskRouterError';
  /** TaskRouter's HTTP status; `undefined` when there was no answer (network failure, timeout). */
  readonly status: number | undefined;
  /** Whether another attempt may work (no answer, 429, 5xx). */
  readonly retryable: boolean;

  constructor(message: string, status: number | undefined) {
    super(message);
    this.status = status;
    this.retryable = status === undefined || status === 429 || status >= 500;
  }
}

/** The part of the Twilio client (`twilio` 4.x and 5.x) the port uses: its low-level `request()`. */
export interface TwilioRequester {
  request(options: {
    method: string;
    uri: string;
    params?: Record<string, string | number>;
    data?: Record<string, string>;
    headers?: Record<string, string>;
    timeout?: number;
  }): Promise<{ statusCode: number; body: unknown; headers: unknown }>;
}

/** Options of {@link createTaskRouter}. */
export interface TaskRouterOptions {
  /** Milliseconds each request may take, read at each request (the handler's time left). @default 5000 */
  timeoutMs?: () => number;
}

const CALL_SID = /^CA[0-9a-f]{32}$/i;
const SID = /^[A-Z]{2}[0-9a-f]{32}$/i;
/** Enough for every task of one call (a transfer or two), without paging. */
const PAGE_SIZE = 20;
const NO_WORKSPACE = 'TWILIO_WORKSPACE_SID names no workspace of this account';

/**
 * The workspace of `TWILIO_WORKSPACE_SID`, or the configuration problem that prevents
 * using it.
 */
export function workspaceSidOf(env: HandlerEnv): string | ConfigurationError {
  const workspaceSid = typeof env.TWILIO_WORKSPACE_SID === 'string' ? env.TWILIO_WORKSPACE_SID.trim() : '';
  if (/^WS[0-9a-f]{32}$/i.test(workspaceSid)) return workspaceSid;
  return new ConfigurationError(
    workspaceSid === ''
      ? 'TWILIO_WORKSPACE_SID is not set: the save Function reads the call and the customer from the task'
      : 'TWILIO_WORKSPACE_SID is not a workspace sid (WS followed by 32 hex digits)',
  );
}

/**
 * The TaskRouter port of a workspace, reached through `requester`. Its methods reject
 * with a `ConfigurationError` when a retry cannot help: TaskRouter refusing the
 * credentials (401, 403), the requester failing before reaching TaskRouter, or the
 * workspace not found; and with a {@link TaskRouterError} when TaskRouter failed or
 * could not be reached.
 *
 * @example
 * const taskRouter = createTaskRouterPort(workspaceSid, context.getTwilioClient(), {}, 'the Twilio client');
 * const task = await taskRouter.fetchTask(taskSid);
 */
export function createTaskRouterPort(
  workspaceSid: string,
  twilio: TwilioRequester,
  options: TaskRouterOptions = {},
  /** Names the requester in messages, such as `the Twilio client of context.getTwilioClient()`. */
  requesterName = 'the Twilio client',
): TaskRouterPort {
  const timeout = () => Math.max(1, Math.floor(options.timeoutMs?.() ?? 5000));
  const tasksUrl = `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/Tasks`;

  /** The client failed before TaskRouter could answer: its settings, not the network, are at fault. */
  const unusable = (what: string) =>
    new ConfigurationError(
      `${requesterName} failed before reaching TaskRouter to ${what}: check ACCOUNT_SID and AUTH_TOKEN`,
    );
  const send = async (what: string, request: Parameters<TwilioRequester['request']>[0]) => {
    let pending: unknown;
    try {
      pending = twilio.request({ ...request, timeout: timeout() });
    } catch {
      // Thrown before anything was sent (missing credentials, a malformed setting): a retry cannot help.
      throw unusable(what);
    }
    let response: unknown;
    try {
      response = await pending;
    } catch (error) {
      if (!reachedForTaskRouter(error)) throw unusable(what);
      throw new TaskRouterError(
        `TaskRouter could not be reached to ${what} (${failureKind(error)})`,
        undefined,
      );
    }
    if (!isRecord(response) || typeof response.statusCode !== 'number') throw unusable(what);
    const status = response.statusCode;
    if (status === 401 || status === 403) {
      throw new ConfigurationError(
        `TaskRouter refused the Function's credentials (${status}) to ${what}: check ACCOUNT_SID and AUTH_TOKEN`,
      );
    }
    return { status, body: jsonOf(response.body), headers: response.headers };
  };
  const failed = (what: string, status: number, body: unknown): TaskRouterError => {
    const code = isRecord(body) && typeof body.code === 'number' ? `, Twilio error ${body.code}` : '';
    return new TaskRouterError(`TaskRouter answered ${status} to ${what}${code}`, status);
  };
  let workspaceFound = false;
  /**
   * TaskRouter answers 404 alike for a task it does not have and for every task of a
   * workspace the account does not have: the workspace is looked up once, so a wrong
   * TWILIO_WORKSPACE_SID is a setting to fix, never a task said gone.
   */
  const checkWorkspace = async (): Promise<void> => {
    if (workspaceFound) return;
    const what = 'look the workspace up';
    const { status, body } = await send(what, { method: 'get', uri: tasksUrl, params: { PageSize: 1 } });
    if (status === 404) throw new ConfigurationError(NO_WORKSPACE);
    // Not knowing whether the workspace exists, the task is not said gone.
    if (status !== 200) throw failed(what, status, body);
    workspaceFound = true;
  };
  const sid = (value: string, what: string): string => {
    // Sids go into URLs: anything else is a caller's mistake, never sent.
    if (!SID.test(value)) throw new TypeError(`${what} must be a Twilio sid`);
    return value;
  };

  return {
    async fetchTask(taskSid) {
      const what = 'fetch the task';
      const { status, body, headers } = await send(what, {
        method: 'get',
        uri: `${tasksUrl}/${sid(taskSid, 'taskSid')}`,
      });
      if (status === 404) {
        await checkWorkspace();
        return null;
      }
      if (status !== 200 || !isRecord(body)) throw failed(what, status, body);
      workspaceFound = true;
      return {
        attributes: typeof body.attributes === 'string' ? body.attributes : '{}',
        assignmentStatus: typeof body.assignment_status === 'string' ? body.assignment_status : '',
        etag: headerOf(headers, 'etag'),
      };
    },

    async findTasksByCall(callSid) {
      if (!CALL_SID.test(callSid)) return [];
      const what = 'find the tasks of a call';
      const { status, body } = await send(what, {
        method: 'get',
        uri: tasksUrl,
        // A call sid holds no quote or backslash; JSON's quoting escapes them all the same.
        params: { EvaluateTaskAttributes: `call_sid == ${JSON.stringify(callSid)}`, PageSize: PAGE_SIZE },
      });
      if (status === 404) throw new ConfigurationError(NO_WORKSPACE);
      if (status !== 200 || !isRecord(body) || !Array.isArray(body.tasks)) throw failed(what, status, body);
      return body.tasks.flatMap((task: unknown) => {
        if (!isRecord(task) || typeof task.sid !== 'string') return [];
        // Checked again here, whatever the expression matched.
        return callSidOf(task.attributes) === callSid ? [task.sid] : [];
      });
    },

    async workerReservationStatuses(taskSid, workerSid) {
      const what = 'list the reservations of a task';
      const { status, body } = await send(what, {
        method: 'get',
        uri: `${tasksUrl}/${sid(taskSid, 'taskSid')}/Reservations`,
        params: { WorkerSid: sid(workerSid, 'workerSid'), PageSize: PAGE_SIZE },
      });
      if (status === 404) return null;
      if (status !== 200 || !isRecord(body) || !Array.isArray(body.reservations))
        throw failed(what, status, body);
      return body.reservations.flatMap((reservation: unknown) =>
        isRecord(reservation) &&
        reservation.worker_sid === workerSid &&
        typeof reservation.reservation_status === 'string'
          ? [reservation.reservation_status]
          : [],
      );
    },

    async updateAttributes(taskSid, attributes, etag) {
      const what = 'update the task’s attributes';
      // Without If-Match the last writer wins and another writer's change is lost: never sent.
      if (typeof etag !== 'string' || etag === '')
        throw new TypeError('etag is required: a task is only written with If-Match');
      const { status, body } = await send(what, {
        method: 'post',
        uri: `${tasksUrl}/${sid(taskSid, 'taskSid')}`,
        data: { Attributes: attributes },
        headers: { 'If-Match': etag },
      });
      if (status === 412) return 'conflict';
      if (status === 404) return 'gone';
      if (status !== 200) throw failed(what, status, body);
      return 'updated';
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Twilio client parses JSON answers; a custom HTTP client may hand over the text. */
function jsonOf(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * A response header, whatever holds the headers (axios' `AxiosHeaders`, a plain
 * object, a fetch `Headers`). TaskRouter's ETag is the task's revision; it is sent
 * back bare in `If-Match`, as Twilio's own SDKs send it.
 */
function headerOf(headers: unknown, name: string): string | undefined {
  let value: unknown;
  if (typeof (headers as { get?: unknown } | null)?.get === 'function') {
    value = (headers as { get(name: string): unknown }).get(name);
  }
  if (value === undefined && isRecord(headers)) {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const bare = String(value)
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return bare === '' ? undefined : bare;
}

function callSidOf(attributes: unknown): unknown {
  const parsed = jsonOf(attributes);
  return isRecord(parsed) ? parsed.call_sid : undefined;
}

/** Error codes of a request that was sent, or tried to be: the network, DNS, TLS, a timeout. */
const NETWORK_CODES =
  /^(?:E(?:CONN|NOTFOUND|AI_|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|NETDOWN|HOSTDOWN|PROTO|ADDR)|ERR_(?:NETWORK|SOCKET|TLS|SSL|HTTP2|STREAM)|UND_ERR|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/;

/**
 * Whether a rejection of the client's `request` came from trying to reach TaskRouter
 * (worth a retry) rather than from the client failing before sending anything. The
 * Twilio client (axios) marks the errors of a request it sent with `request`.
 */
function reachedForTaskRouter(error: unknown): boolean {
  const record = error as {
    isAxiosError?: unknown;
    request?: unknown;
    code?: unknown;
    cause?: unknown;
  } | null;
  if (record?.isAxiosError === true && record.request !== undefined) return true;
  const codes = [record?.code, (record?.cause as { code?: unknown } | null | undefined)?.code];
  if (codes.some((code) => typeof code === 'string' && NETWORK_CODES.test(code))) return true;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /network|socket|timed? ?out|fetch failed/i.test(message);
}

/** What kind of failure, without the error's message (which may hold the request's headers). */
function failureKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timed out';
  if (typeof code === 'string' && /^[A-Z_]{3,30}$/.test(code)) return code;
  return 'network error';
}

/** Account credentials for Twilio's REST API: the account's auth token, or an API key and secret. */
export interface TwilioCredentials {
  readonly accountSid: string;
  readonly authToken?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly apiSecret?: string | undefined;
}

/**
 * A {@link TwilioRequester} over `fetch`, with Basic auth: TaskRouter for runtimes where
 * the `twilio` package is too heavy to load (or cannot be). Query `params` go in the URL,
 * `data` as a form body, as the Twilio client sends them; each request is aborted after
 * its `timeout`.
 */
export function fetchTwilioRequester(
  credentials: TwilioCredentials,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): TwilioRequester {
  const user = credentials.authToken !== undefined ? credentials.accountSid : credentials.apiKey;
  const password = credentials.authToken ?? credentials.apiSecret;
  return {
    async request({ method, uri, params, data, headers, timeout }) {
      if (user === undefined || password === undefined) {
        throw new ConfigurationError('ACCOUNT_SID and AUTH_TOKEN (or API_KEY and API_SECRET) are needed');
      }
      const url = new URL(uri);
      for (const [name, value] of Object.entries(params ?? {})) url.searchParams.set(name, String(value));
      const response = await fetchImpl(url, {
        method: method.toUpperCase(),
        headers: {
          ...headers,
          Authorization: basicAuthorization(user, password),
          Accept: 'application/json',
          ...(data === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
        },
        ...(data === undefined ? {} : { body: new URLSearchParams(data).toString() }),
        ...(timeout === undefined ? {} : { signal: AbortSignal.timeout(timeout) }),
      });
      let body: string;
      try {
        body = await response.text();
      } catch {
        // Cut short on the way: a network failure, worth a retry like any other.
        throw new Error('the socket closed while the answer was read');
      }
      return { statusCode: response.status, body, headers: response.headers };
    },
  };
}

/** An HTTP Basic `Authorization` value, the pair encoded as UTF-8 (Twilio's sids and secrets are ASCII). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
}

/**
 * The TaskRouter port of the settings' workspace (`TWILIO_WORKSPACE_SID`), reached with
 * `fetch` and the account's credentials (`ACCOUNT_SID` and `AUTH_TOKEN`, or `API_KEY`
 * and `API_SECRET`); a `ConfigurationError` when any is missing or malformed.
 */
export function createFetchTaskRouter(
  env: HandlerEnv,
  options: TaskRouterOptions & { readonly fetch?: typeof fetch } = {},
): TaskRouterPort | ConfigurationError {
  const workspaceSid = workspaceSidOf(env);
  if (workspaceSid instanceof ConfigurationError) return workspaceSid;
  const text = (name: string): string | undefined => {
    const value = env[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const accountSid = text('ACCOUNT_SID');
  const authToken = text('AUTH_TOKEN');
  const apiKey = text('API_KEY');
  const apiSecret = text('API_SECRET');
  if (
    accountSid === undefined ||
    (authToken === undefined && (apiKey === undefined || apiSecret === undefined))
  ) {
    return new ConfigurationError(
      'ACCOUNT_SID and AUTH_TOKEN (or API_KEY and API_SECRET) are needed to reach TaskRouter',
    );
  }
  const requester = fetchTwilioRequester(
    authToken !== undefined ? { accountSid, authToken } : { accountSid, apiKey, apiSecret },
    options.fetch,
  );
  return createTaskRouterPort(workspaceSid, requester, options, 'the request to TaskRouter');
}

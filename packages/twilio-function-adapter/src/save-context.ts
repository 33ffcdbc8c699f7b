import { ConfigurationError, ConflictError, isStickyCallsError, parseSaveRequest } from '@stickycalls/core';
import { validator } from 'twilio-flex-token-validator';
import {
  checkClientOptions,
  clientFor,
  describe,
  type FunctionContext,
  type FunctionEvent,
  type FunctionHandler,
  type HandlerOptions,
  logLine,
  type Reply,
  report,
  toFunctionHandler,
  within,
} from './runtime.js';

/** What Twilio says about a valid Flex token (`twilio-flex-token-validator`'s result). */
export interface TokenResult {
  readonly worker_sid?: string;
  readonly roles?: readonly string[];
  readonly identity?: string;
  readonly [field: string]: unknown;
}

/**
 * Validates a Flex token. Rejects when the token is invalid or expired; rejects with a
 * {@link TokenCheckUnavailableError} when it could not be checked (Twilio unreachable),
 * and with a `ConfigurationError` when the Function lacks the credentials to check it.
 */
export type TokenValidator = (token: string, context: FunctionContext) => Promise<TokenResult>;

/** Decides whether a worker may save the wrap-up of a task. */
export type TaskAccessCheck = (request: {
  readonly taskSid: string;
  readonly callId: string;
  readonly workerSid: string;
  readonly roles: readonly string[];
  readonly context: FunctionContext;
}) => Promise<boolean> | boolean;

/** The token could not be checked (Twilio IAM unreachable or slow): worth a retry. */
export class TokenCheckUnavailableError extends Error {
  override readonly name = 'TokenCheckUnavailableError';
}

/** Options of {@link createSaveContextHandler}. */
export interface SaveContextHandlerOptions extends HandlerOptions {
  /**
   * The origin(s) allowed to call the Function from a browser (CORS), each as
   * `scheme://host[:port]`. With a list, the request's `Origin` is echoed when listed.
   * @default 'https://flex.twilio.com'
   */
  allowedOrigin?: string | readonly string[];
  /**
   * The whole answer's deadline in milliseconds: token check, task check and save
   * together (Functions stop at 10 s).
   * @default 9000
   */
  timeoutMs?: number;
  /**
   * Validates the agent's Flex token (`event.Token`).
   * @default Twilio's `twilio-flex-token-validator`, with ACCOUNT_SID and AUTH_TOKEN
   *   (or API_KEY and API_SECRET) from the context
   */
  validateToken?: TokenValidator;
  /**
   * When the request names a task (`TaskSid`), whether this worker may save it.
   * @default supervisors and admins may; another worker only when the task is this call's
   *   (its `call_sid` attribute matches) and the worker holds an accepted, wrapping or
   *   completed reservation on it, checked with TaskRouter in `TWILIO_WORKSPACE_SID`
   */
  canActOnTask?: TaskAccessCheck;
}

const MAX_TIMEOUT_MS = 9500;
/** Left at the end of the deadline to build and send the answer. */
const ANSWER_MARGIN_MS = 250;
const WORKER_SID = /^WK[0-9a-f]{32}$/i;
const TASK_SID = /^WT[0-9a-f]{32}$/i;

/**
 * A public Twilio Function the Flex plugin calls at wrap-up. It authenticates the
 * agent's Flex token, checks the body (the SDK's names or the vendor guide's), saves
 * with `calls.end` and answers JSON the plugin can act on: `saved` / `already_saved`
 * (200), `invalid` (400), `forbidden` (403), `failed` with `retryable` (502),
 * `not_configured` (503). Every answer carries CORS headers, and comes within the
 * deadline.
 *
 * @example
 * // functions/save-context.js
 * const { createSaveContextHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createSaveContextHandler();
 */
export function createSaveContextHandler(options: SaveContextHandlerOptions = {}): FunctionHandler {
  const timeoutMs = options.timeoutMs ?? 9000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1000 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigurationError(
      `timeoutMs must be from 1000 to ${MAX_TIMEOUT_MS} ms (Functions stop at 10 s), got ${String(timeoutMs)}`,
    );
  }
  const origins = allowedOrigins(options.allowedOrigin);
  for (const name of ['validateToken', 'canActOnTask'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ConfigurationError(`${name} must be a function`);
    }
  }
  checkClientOptions(options);
  const validateToken = options.validateToken ?? flexTokenValidator;
  const canActOnTask = options.canActOnTask ?? reservationCheck;
  const name = 'save-context';

  const cors = (event: FunctionEvent): Record<string, string> => {
    const origin = event.request?.headers?.origin;
    return {
      'Access-Control-Allow-Origin':
        origin !== undefined && origins.includes(origin) ? origin : (origins[0] as string),
      'Access-Control-Allow-Methods': 'OPTIONS, POST',
      'Access-Control-Allow-Headers': 'Content-Type',
      Vary: 'Origin',
    };
  };

  return toFunctionHandler(
    name,
    options,
    async (context, event) => {
      const deadline = Date.now() + timeoutMs - ANSWER_MARGIN_MS;
      const left = (): number => deadline - Date.now();
      const reply = (status: number, body: Record<string, unknown>): Reply => ({
        status,
        body,
        headers: cors(event),
      });
      const forbidden = (message: string): Reply => {
        logLine(options, 'warn', `${name}: refused (${message})`);
        return reply(403, { status: 'forbidden', retryable: false, message });
      };
      const notConfigured = (error: ConfigurationError, callId?: string): Reply => {
        report(options, name, error, callId);
        logLine(options, 'error', `${name}: not configured (${error.message})`);
        return reply(503, {
          status: 'not_configured',
          retryable: false,
          message: 'the save Function is not configured',
        });
      };
      const unavailable = (what: string, error: unknown): Reply => {
        report(options, name, error, undefined);
        logLine(options, 'warn', `${name}: could not ${what} (${describe(error)})`);
        return reply(502, {
          status: 'failed',
          retryable: true,
          code: 'unavailable',
          message: `could not ${what}; try again`,
        });
      };

      // Who is asking.
      const token = typeof event.Token === 'string' ? event.Token : '';
      if (token === '') return forbidden('no Flex token: send the agent’s token as Token');
      let identity: TokenResult;
      try {
        identity = await within(
          Promise.resolve().then(() => validateToken(token, context)),
          left(),
          () => {
            return new TokenCheckUnavailableError('the token check timed out');
          },
        );
      } catch (error) {
        if (isStickyCallsError(error, ConfigurationError)) return notConfigured(error);
        if (error instanceof TokenCheckUnavailableError) return unavailable('check the Flex token', error);
        return forbidden('the Flex token is invalid or expired');
      }
      const workerSid = typeof identity.worker_sid === 'string' ? identity.worker_sid : '';
      if (!WORKER_SID.test(workerSid)) return forbidden('the Flex token does not belong to a worker');

      // What they send.
      const request = parseSaveRequest(event);
      const taskSid = firstGiven(event.TaskSid, event.task_sid);
      const taskIssue =
        taskSid !== undefined && (typeof taskSid !== 'string' || !TASK_SID.test(taskSid))
          ? [{ path: ['TaskSid'], message: 'TaskSid must be a task sid (WT followed by 32 hex digits)' }]
          : [];
      if (!request.success || taskIssue.length > 0) {
        const issues = [...(request.success ? [] : request.issues), ...taskIssue];
        logLine(
          options,
          'warn',
          `${name}: invalid request (${issues.map((i) => i.path.join('.') || 'body').join(', ')})`,
        );
        return reply(400, { status: 'invalid', retryable: false, errors: issues });
      }
      const callId = request.data.call_id;

      // Whether they may.
      if (typeof taskSid === 'string') {
        const roles = Array.isArray(identity.roles)
          ? identity.roles.filter((r): r is string => typeof r === 'string')
          : [];
        let allowed: boolean;
        try {
          allowed = await within(
            Promise.resolve().then(() => canActOnTask({ taskSid, callId, workerSid, roles, context })),
            left(),
            () => new Error('the task check timed out'),
          );
        } catch (error) {
          if (isStickyCallsError(error, ConfigurationError)) return notConfigured(error, callId);
          return unavailable(`check access to task ${taskSid}`, error);
        }
        if (!allowed) return forbidden(`worker ${workerSid} may not save task ${taskSid} for call ${callId}`);
      }

      // The save.
      const client = clientFor(context, options);
      if (client instanceof ConfigurationError) return notConfigured(client, callId);
      if (left() < 500)
        return unavailable('save in the time left', new Error('the checks used up the deadline'));
      try {
        const saved = await client.calls.end(request.data, { timeout: left() });
        const status = saved.already_saved ? 'already_saved' : 'saved';
        logLine(options, 'info', `${name} call=${callId}: ${status} by ${workerSid}`);
        return reply(200, { status, call_id: saved.call_id, customer_ref: saved.customer_ref });
      } catch (error) {
        if (isStickyCallsError(error, ConflictError)) {
          // The API has an end for this call already: an earlier save, or the safety net's.
          logLine(options, 'info', `${name} call=${callId}: already saved`);
          return reply(200, {
            status: 'already_saved',
            call_id: callId,
            customer_ref: request.data.customer_ref ?? null,
          });
        }
        report(options, name, error, callId);
        logLine(options, 'warn', `${name} call=${callId}: not saved (${describe(error)})`);
        const failure = isStickyCallsError(error) ? error : undefined;
        return reply(502, {
          status: 'failed',
          retryable: failure?.retryable ?? true,
          code: failure?.code ?? 'unknown',
          // The SDK's messages hold no secret and say what failed.
          message: failure?.message ?? 'the save failed unexpectedly',
        });
      }
    },
    (_error, event) => ({
      status: 500,
      body: { status: 'failed', retryable: true, code: 'unknown', message: 'the save failed unexpectedly' },
      headers: cors(event),
    }),
  );
}

function allowedOrigins(option: string | readonly string[] | undefined): readonly string[] {
  const origins = typeof option === 'string' ? [option] : (option ?? ['https://flex.twilio.com']);
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new ConfigurationError('allowedOrigin must name at least one origin');
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new ConfigurationError(
        `allowedOrigin entries must be origins such as https://flex.twilio.com (no path or trailing slash), got ${JSON.stringify(origin)}`,
      );
    }
  }
  return origins;
}

function firstGiven(...values: unknown[]): unknown {
  return values.find((value) => value !== undefined && value !== '');
}

/** Network failures and non-JSON answers of IAM, as Twilio's validator reports them. */
const UNAVAILABLE = /network|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|EPIPE|socket hang up|Unexpected token|JSON/i;

const flexTokenValidator: TokenValidator = async (token, context) => {
  const accountSid = stringOf(context.ACCOUNT_SID);
  const authToken = stringOf(context.AUTH_TOKEN);
  const apiKey = stringOf(context.API_KEY);
  const apiSecret = stringOf(context.API_SECRET);
  if (
    accountSid === undefined ||
    (authToken === undefined && (apiKey === undefined || apiSecret === undefined))
  ) {
    throw new ConfigurationError(
      'ACCOUNT_SID and AUTH_TOKEN (or API_KEY and API_SECRET) are needed to check Flex tokens',
    );
  }
  const region = stringOf(context.TWILIO_REGION)?.split('-')[0];
  try {
    return (await (authToken !== undefined
      ? validator(token, accountSid, authToken, region)
      : validator(token, accountSid, undefined, region, {
          Sid: apiKey as string,
          Secret: apiSecret as string,
        }))) as TokenResult;
  } catch (reason) {
    // The validator rejects with strings; they are not passed on, as they may echo input.
    if (typeof reason === 'string' && UNAVAILABLE.test(reason))
      throw new TokenCheckUnavailableError('Twilio IAM unreachable');
    throw new Error('token rejected');
  }
};

interface TaskRouterClient {
  taskrouter: {
    v1: {
      workspaces(sid: string): {
        tasks(sid: string): {
          fetch(): Promise<{ attributes?: string }>;
          reservations: {
            list(options: { workerSid: string; limit: number }): Promise<{ reservationStatus?: string }[]>;
          };
        };
      };
    };
  };
}

const reservationCheck: TaskAccessCheck = async ({ taskSid, callId, workerSid, roles, context }) => {
  if (roles.includes('admin') || roles.includes('supervisor')) return true;
  const workspaceSid = stringOf(context.TWILIO_WORKSPACE_SID);
  if (workspaceSid === undefined || typeof context.getTwilioClient !== 'function') {
    throw new ConfigurationError('TWILIO_WORKSPACE_SID is needed to check which worker may save a task');
  }
  const task = (context.getTwilioClient() as TaskRouterClient).taskrouter.v1
    .workspaces(workspaceSid)
    .tasks(taskSid);
  const [fetched, reservations] = await Promise.all([
    task.fetch(),
    task.reservations.list({ workerSid, limit: 20 }),
  ]);
  let callSid: unknown;
  try {
    callSid = (JSON.parse(fetched.attributes ?? '{}') as { call_sid?: unknown }).call_sid;
  } catch {
    callSid = undefined;
  }
  if (callSid !== undefined && callSid !== callId) return false;
  return reservations.some((reservation) =>
    ['accepted', 'wrapping', 'completed'].includes(reservation.reservationStatus ?? ''),
  );
};

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

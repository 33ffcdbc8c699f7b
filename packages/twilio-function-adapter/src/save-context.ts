import { ConfigurationError, ConflictError, isStickyCallsError, parseSaveRequest } from '@stickycalls/core';
import { validator } from 'twilio-flex-token-validator';
import {
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
} from './runtime.js';

/** What Twilio says about a valid Flex token (`twilio-flex-token-validator`'s result). */
export interface TokenResult {
  readonly worker_sid?: string;
  readonly roles?: readonly string[];
  readonly identity?: string;
  readonly [field: string]: unknown;
}

/** Validates a Flex token; rejects when it is missing, invalid or expired. */
export type TokenValidator = (token: string, context: FunctionContext) => Promise<TokenResult>;

/** Decides whether a worker may save the wrap-up of a task. */
export type TaskAccessCheck = (request: {
  readonly taskSid: string;
  readonly workerSid: string;
  readonly roles: readonly string[];
  readonly context: FunctionContext;
}) => Promise<boolean>;

/** Options of {@link createSaveContextHandler}. */
export interface SaveContextHandlerOptions extends HandlerOptions {
  /**
   * The origin(s) allowed to call the Function from a browser (CORS). With a list,
   * the request's `Origin` is echoed when it is on the list.
   * @default 'https://flex.twilio.com'
   */
  allowedOrigin?: string | readonly string[];
  /**
   * Deadline of `calls.end`, retries included, in milliseconds; Functions stop at 10 s.
   * @default 8000
   */
  timeoutMs?: number;
  /**
   * Validates the agent's Flex token (`event.Token`).
   * @default Twilio's `twilio-flex-token-validator`, with ACCOUNT_SID and AUTH_TOKEN
   *   (or API_KEY and API_SECRET) from the context
   */
  validateToken?: TokenValidator;
  /**
   * When the request names a task (`TaskSid`), whether this worker may act on it.
   * @default supervisors and admins may; other workers only when they hold a reservation
   *   on the task (accepted, wrapping or completed), checked with TaskRouter in the
   *   workspace `TWILIO_WORKSPACE_SID`
   */
  canActOnTask?: TaskAccessCheck;
}

const MAX_TIMEOUT_MS = 9000;
const WORKER_SID = /^WK[0-9a-f]{32}$/i;

/**
 * A public Twilio Function the Flex plugin calls at wrap-up. It authenticates the
 * agent's Flex token, checks the body (the SDK's names or the vendor guide's), saves
 * with `calls.end` and answers JSON the plugin can act on:
 * `saved` / `already_saved` (200), `invalid` (400), `forbidden` (403),
 * `failed` with `retryable` (502), `not_configured` (503). Every answer carries CORS headers.
 *
 * @example
 * // functions/save-context.js
 * const { createSaveContextHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createSaveContextHandler();
 */
export function createSaveContextHandler(options: SaveContextHandlerOptions = {}): FunctionHandler {
  const timeoutMs = options.timeoutMs ?? 8000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigurationError(
      `timeoutMs must be from 1 to ${MAX_TIMEOUT_MS} ms (Functions stop at 10 s), got ${String(timeoutMs)}`,
    );
  }
  const origins =
    typeof options.allowedOrigin === 'string'
      ? [options.allowedOrigin]
      : (options.allowedOrigin ?? ['https://flex.twilio.com']);
  if (origins.length === 0) throw new ConfigurationError('allowedOrigin must name at least one origin');
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
      const reply = (status: number, body: Record<string, unknown>): Reply => ({
        status,
        body,
        headers: cors(event),
      });
      const forbidden = (message: string): Reply => {
        logLine(options, 'warn', `${name}: refused (${message})`);
        return reply(403, { status: 'forbidden', retryable: false, message });
      };

      const token = typeof event.Token === 'string' ? event.Token : '';
      if (token === '') return forbidden('no Flex token: send the agent’s token as Token');
      let identity: TokenResult;
      try {
        identity = await validateToken(token, context);
      } catch {
        return forbidden('the Flex token is invalid or expired');
      }
      const workerSid = typeof identity.worker_sid === 'string' ? identity.worker_sid : '';
      if (!WORKER_SID.test(workerSid)) return forbidden('the Flex token does not belong to a worker');
      const taskSid = event.TaskSid ?? event.task_sid;
      if (typeof taskSid === 'string' && taskSid !== '') {
        const roles = Array.isArray(identity.roles)
          ? identity.roles.filter((r): r is string => typeof r === 'string')
          : [];
        const allowed = await canActOnTask({ taskSid, workerSid, roles, context }).catch((error: unknown) => {
          logLine(
            options,
            'error',
            `${name}: could not check access to task ${taskSid} (${describe(error)})`,
          );
          return false;
        });
        if (!allowed) return forbidden(`worker ${workerSid} may not act on task ${taskSid}`);
      }

      // Only the save fields are read: Token, TaskSid and the runtime's `request` are ignored.
      const request = parseSaveRequest(event);
      if (!request.success) {
        logLine(
          options,
          'warn',
          `${name}: invalid request (${request.issues.map((i) => i.path.join('.') || 'body').join(', ')})`,
        );
        return reply(400, { status: 'invalid', retryable: false, errors: request.issues });
      }
      const callId = request.data.call_id;
      const client = clientFor(context, options);
      if (client === undefined) {
        report(options, name, new ConfigurationError('STICKY_CALLS_API_KEY is not set'), callId);
        logLine(
          options,
          'error',
          `${name} call=${callId}: STICKY_CALLS_API_KEY is not set in this Function's environment`,
        );
        return reply(503, {
          status: 'not_configured',
          retryable: false,
          message: 'the save Function is not configured',
        });
      }

      try {
        const saved = await client.calls.end(request.data, { timeout: timeoutMs });
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
    // The validator rejects with strings; keep them out of messages, they may echo input.
    throw new Error(typeof reason === 'string' ? 'token rejected' : 'token check failed');
  }
};

interface ReservationLister {
  taskrouter: {
    v1: {
      workspaces(sid: string): {
        tasks(sid: string): {
          reservations: {
            list(options: { workerSid: string; limit: number }): Promise<{ reservationStatus?: string }[]>;
          };
        };
      };
    };
  };
}

const reservationCheck: TaskAccessCheck = async ({ taskSid, workerSid, roles, context }) => {
  if (roles.includes('admin') || roles.includes('supervisor')) return true;
  const workspaceSid = stringOf(context.TWILIO_WORKSPACE_SID);
  if (workspaceSid === undefined || typeof context.getTwilioClient !== 'function') {
    throw new ConfigurationError('TWILIO_WORKSPACE_SID is needed to check which worker may act on a task');
  }
  const twilio = context.getTwilioClient() as ReservationLister;
  const reservations = await twilio.taskrouter.v1
    .workspaces(workspaceSid)
    .tasks(taskSid)
    .reservations.list({ workerSid, limit: 20 });
  return reservations.some((reservation) =>
    ['accepted', 'wrapping', 'completed'].includes(reservation.reservationStatus ?? ''),
  );
};

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

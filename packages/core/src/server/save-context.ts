import {
  bindToTask,
  ConfigurationError,
  endCallFor,
  endWrapUp,
  isStickyCallsError,
  readSaveRequest,
  recordIdentityCheck,
  type SaveAnswer,
  sameWrapUp,
  saveAnswer,
  type ValidationIssue,
  validateWrapUp,
  type WrapUpFields,
  type WrapUpIssue,
} from '../index.js';
import { TokenCheckUnavailableError, type TokenResult, type TokenValidator } from './flex-token.js';
import { conversationsFor, type InsightsOptions, readInsightsOptions } from './insights.js';
import {
  checkClientOptions,
  clientFor,
  describe,
  type HandlerEnv,
  type HandlerEvent,
  logLine,
  numberOrType,
  type Reply,
  report,
  type ServerHandler,
  type ServerHandlerOptions,
  within,
} from './kit.js';
import { type Stored, savedOnTask, storeOnTask } from './task-wrap-up.js';
import {
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
} from './taskrouter.js';

/** What {@link TaskAccessCheck} is asked about. */
export interface TaskAccessRequest {
  /** The task the wrap-up is for. */
  readonly taskSid: string;
  /**
   * The task's own call (its `call_sid`, as the task's attributes say), which the save
   * is bound to after this check; `''` when the task is not a Sticky Calls call (such a
   * task is refused after the check).
   */
  readonly callId: string;
  /** The worker of the agent's Flex token. */
  readonly workerSid: string;
  /** The roles of the agent's Flex token (`agent`, `supervisor`, `admin`). */
  readonly roles: readonly string[];
  /** The handler's settings (a Function's `context`, a server's environment). */
  readonly context: HandlerEnv;
  /**
   * The default rule: whether the worker holds or held a reservation on the task
   * (accepted, wrapping or completed), asked of TaskRouter once per request.
   */
  readonly holdsReservation: () => Promise<boolean>;
}

/**
 * Decides whether a worker may store or save the wrap-up of a task. It runs before
 * anything about the task is answered, so a worker it refuses gets 403
 * `no_reservation` whatever the task and the request are. The binding to the task's own
 * call and customer follows, and no check can lift it.
 */
export type TaskAccessCheck = (request: TaskAccessRequest) => Promise<boolean> | boolean;

/** Options of {@link createSaveContextHandler}. */
export interface SaveContextHandlerOptions extends ServerHandlerOptions {
  /**
   * The origin(s) allowed to call the Function from a browser (CORS), each as
   * `scheme://host[:port]`. With a list, the request's `Origin` is echoed when listed.
   * @default 'https://flex.twilio.com'
   */
  allowedOrigin?: string | readonly string[];
  /**
   * The whole answer's deadline in milliseconds: token check, TaskRouter and save
   * together (Functions stop at 10 s).
   * @default 9000
   */
  timeoutMs?: number;
  /**
   * Validates the agent's Flex token.
   * @default Twilio IAM, with ACCOUNT_SID and AUTH_TOKEN (or API_KEY and API_SECRET)
   *   from the settings
   */
  validateToken?: TokenValidator;
  /**
   * Whether this worker may store or save the wrap-up of the task.
   * @default the worker holds or held a reservation on the task (accepted, wrapping or
   *   completed); no role is let through without one
   * @example
   * // Supervisors too (they can complete agents' tasks from Flex):
   * canActOnTask: async (request) => request.roles.includes('supervisor') || (await request.holdsReservation())
   */
  canActOnTask?: TaskAccessCheck;
  /**
   * The TaskRouter port to use for a context.
   * @default TaskRouter in `TWILIO_WORKSPACE_SID`, with the adapter's way to reach it
   */
  taskRouter?: (context: HandlerEnv, options: TaskRouterOptions) => TaskRouterPort | ConfigurationError;
  /**
   * What the store (`action: 'store'`) writes for Flex Insights into the task's
   * `conversations` attributes, merged with the ones the task has: the disposition as
   * `conversations.outcome`, and the intent and the identity level into the conversation
   * attributes named here. `false` writes none. Attributes that would not fit in the
   * task's 4,096 characters are left out (and logged); the wrap-up is stored all the same.
   * @default { outcome: true, intent: false, identity: false }
   * @example
   * insights: { intent: 'conversation_attribute_1', identity: 'conversation_attribute_2' }
   */
  insights?: InsightsOptions | false;
}

/** What an adapter brings to the save handler: its runtime's ways to reach Twilio and to read the token. */
export interface SaveContextBinding {
  /** The `fetch` of the Sticky Calls client when the options give none. */
  readonly fetch?: typeof fetch;
  /** How the agent's token is checked when the options give no `validateToken`. */
  readonly validateToken: TokenValidator;
  /** The TaskRouter port when the options give none. */
  readonly taskRouter: (
    context: HandlerEnv,
    options: TaskRouterOptions,
  ) => TaskRouterPort | ConfigurationError;
  /**
   * The agent's token as the request carried it (`''` when none), or `inUrl` when it
   * came in the URL, which request logs keep: such a request is refused unchecked.
   */
  readonly tokenOf: (event: HandlerEvent) => string | { readonly inUrl: true };
  /** Where the token goes, for the answers that ask for it: `as Token`. */
  readonly tokenWhere: string;
  /** The request headers a browser may send (CORS), such as `Content-Type`. */
  readonly allowHeaders: string;
}

const MAX_TIMEOUT_MS = 9500;
/** Left at the end of the deadline to build and send the answer. */
const ANSWER_MARGIN_MS = 250;
/** Kept from the save's own deadline to mark the wrap-up saved on the task afterwards. */
const MARK_SAVED_RESERVE_MS = 1000;
const WORKER_SID = /^WK[0-9a-f]{32}$/i;
const CALL_SID = /^CA[0-9a-f]{32}$/i;
/** Reservation statuses of a worker who holds or held the task. */
const HELD = new Set(['accepted', 'wrapping', 'completed']);
/** Assignment statuses after which a wrap-up may be saved. */
const ENDED = new Set(['completed', 'canceled']);

/**
 * The save handler the Flex plugin calls at wrap-up, before it meets its runtime. It authenticates the
 * agent's Flex token, reads the task from TaskRouter, checks that the agent holds or
 * held a reservation on the task, binds the wrap-up to the task's own call and
 * customer, and then stores the wrap-up on the task (`action: 'store'`, before
 * completion) or saves it with `calls.end` once the task completed (`action: 'save'`,
 * the default).
 *
 * The agent's identity check is recorded as made by the token's worker (never the
 * request's word), at a time no later than now. A `rejected` check ("not this caller")
 * keeps the wrap-up on the task only: nothing is written into the matched customer's
 * memory (`stored`, `saveable: false`). Each `calls.end` carries `last_contact_at` and,
 * for a verified caller, `identity_verified_at`, `_by` and `_how`, written here only.
 * Answers are core's save protocol (`saveAnswer`), each with CORS headers, within
 * the deadline.

 */
export function defineSaveContextHandler(
  options: SaveContextHandlerOptions,
  binding: SaveContextBinding,
): ServerHandler {
  const timeoutMs = options.timeoutMs ?? 9000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1000 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigurationError(
      `timeoutMs must be from 1000 to ${MAX_TIMEOUT_MS} ms (Functions stop at 10 s), got ${numberOrType(timeoutMs)}`,
    );
  }
  const origins = allowedOrigins(options.allowedOrigin);
  for (const name of ['validateToken', 'canActOnTask', 'taskRouter'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ConfigurationError(`${name} must be a function`);
    }
  }
  checkClientOptions(options);
  const insights = readInsightsOptions(options.insights);
  const validateToken = options.validateToken ?? binding.validateToken;
  const taskRouterFor = options.taskRouter ?? binding.taskRouter;
  const name = 'save-context';

  const cors = (event: HandlerEvent): Record<string, string> => {
    const origin = event.request?.headers?.origin;
    return {
      'Access-Control-Allow-Origin':
        origin !== undefined && origins.includes(origin) ? origin : (origins[0] as string),
      'Access-Control-Allow-Methods': 'OPTIONS, POST',
      'Access-Control-Allow-Headers': binding.allowHeaders,
      Vary: 'Origin',
    };
  };

  return {
    name,
    options,
    preflight: (event) => ({
      status: 204,
      body: '',
      headers: { ...cors(event), 'Access-Control-Max-Age': '600' },
    }),
    async run(context, event) {
      const deadline = Date.now() + timeoutMs - ANSWER_MARGIN_MS;
      const left = (): number => deadline - Date.now();
      const answer = (body: SaveAnswer): Reply => {
        const http = saveAnswer(body);
        return { status: http.status, body: http.body, headers: cors(event) };
      };
      const forbidden = (code: string, message: string): Reply => {
        logLine(options, 'warn', `${name}: refused, ${code} (${message})`);
        return answer({ status: 'forbidden', code, message });
      };
      const invalid = (errors: readonly (ValidationIssue | WrapUpIssue)[]): Reply => {
        logLine(
          options,
          'warn',
          `${name}: invalid request (${errors.map((issue) => issueName(issue)).join(', ')})`,
        );
        return answer({ status: 'invalid', errors: errors.map(toAnswerIssue) });
      };
      const notConfigured = (error: ConfigurationError, callId?: string): Reply => {
        report(options, name, error, callId);
        logLine(options, 'error', `${name}: not configured (${error.message})`);
        return answer({ status: 'not_configured', message: 'the save Function is not configured' });
      };
      const unavailable = (what: string, error: unknown, callId?: string): Reply => {
        report(options, name, error, callId);
        logLine(options, 'warn', `${name}: could not ${what} (${describe(error)})`);
        const retryable = isTaskRouterFailure(error) ? error.retryable : true;
        return answer({
          status: 'failed',
          retryable,
          code: 'unavailable',
          message: retryable ? `could not ${what}; try again` : `could not ${what}`,
        });
      };

      // Who is asking.
      const token = binding.tokenOf(event);
      if (typeof token !== 'string') {
        // Refused before it is checked: a token in the URL is in request logs already.
        return invalid([
          {
            path: ['Token'],
            message: `send the Flex token ${binding.tokenWhere}, never in the URL: URLs are written to request logs`,
          },
        ]);
      }
      if (token === '')
        return forbidden('no_token', `no Flex token: send the agent’s token ${binding.tokenWhere}`);
      let identity: TokenResult;
      try {
        identity = await within(
          Promise.resolve().then(() => validateToken(token, context)),
          left(),
          () => new TokenCheckUnavailableError('the token check timed out'),
        );
      } catch (error) {
        if (isStickyCallsError(error, ConfigurationError)) return notConfigured(error);
        if (error instanceof TokenCheckUnavailableError) return unavailable('check the Flex token', error);
        return forbidden('invalid_token', 'the Flex token is invalid or expired');
      }
      const workerSid = typeof identity.worker_sid === 'string' ? identity.worker_sid : '';
      if (!WORKER_SID.test(workerSid))
        return forbidden('not_a_worker', 'the Flex token does not belong to a worker');
      const roles = Array.isArray(identity.roles)
        ? identity.roles.filter((role): role is string => typeof role === 'string')
        : [];

      // What they send.
      const read = readSaveRequest(event);
      if (!read.success) return invalid(read.issues);
      const request = read.data;
      const checked = validateWrapUp(request.fields);
      if (!checked.ok) return invalid(checked.issues);
      let fields: WrapUpFields = checked.fields;
      if (request.taskSid === undefined && request.claims.call_id === undefined) {
        return invalid([
          { path: ['TaskSid'], message: 'TaskSid is required: the task (WT…) the wrap-up belongs to' },
        ]);
      }
      const namedCall = request.claims.call_id;
      if (request.taskSid === undefined && (typeof namedCall !== 'string' || !CALL_SID.test(namedCall))) {
        return invalid([
          {
            path: ['CallSid'],
            message: 'without TaskSid, CallSid must be a call sid (CA followed by 32 hex digits)',
          },
        ]);
      }

      // The task.
      const taskRouter = taskRouterFor(context, { timeoutMs: left });
      if (taskRouter instanceof ConfigurationError) return notConfigured(taskRouter);
      const step = <T>(what: string, work: () => Promise<T>): Promise<T> =>
        within(
          Promise.resolve().then(work),
          left(),
          () => new TaskRouterError(`TaskRouter did not answer in time to ${what}`, undefined),
        );
      const statuses = new Map<string, Promise<readonly string[] | null>>();
      /** The worker's reservation statuses on the task, asked once per request; `null`: TaskRouter has no such task. */
      const reservations = (taskSid: string): Promise<readonly string[] | null> => {
        let pending = statuses.get(taskSid);
        if (pending === undefined) {
          pending = taskRouter.workerReservationStatuses(taskSid, workerSid);
          statuses.set(taskSid, pending);
        }
        return pending;
      };
      const holds = async (taskSid: string): Promise<boolean> =>
        (await reservations(taskSid))?.some((status) => HELD.has(status)) ?? false;
      const canActOnTask: TaskAccessCheck =
        options.canActOnTask ?? (({ holdsReservation }) => holdsReservation());
      const noReservation = (sid: string): Reply =>
        forbidden('no_reservation', `worker ${workerSid} holds no reservation on task ${sid}`);

      let taskSid = request.taskSid;
      let callId = typeof namedCall === 'string' ? namedCall : undefined;
      try {
        if (taskSid === undefined) {
          // The vendor guide's request names the call: the task is the one this worker holds or held.
          const callSid = namedCall as string;
          const found = await step('find the task of the call', async () => {
            const taskSids = await taskRouter.findTasksByCall(callSid);
            const held = await Promise.all(taskSids.map((sid) => holds(sid)));
            return taskSids.find((_sid, index) => held[index]);
          });
          if (found === undefined)
            return forbidden('no_task', `worker ${workerSid} holds no task of call ${callSid}`);
          taskSid = found;
        }
        const sid = taskSid;
        // The default access check reads the worker's reservations on the task: asked now,
        // beside the task itself, so the two reads cost one round trip to TaskRouter. (A
        // custom check may never ask: it is left to ask for itself.) When the task cannot be
        // fetched, this read was spent for nothing: one request, for an agent already checked.
        if (options.canActOnTask === undefined) reservations(sid).catch(() => undefined);
        // Nothing about the task is answered before the access check: its call, its customer
        // and whether it is a Sticky Calls call are told only to a worker who may act on it.
        const task = await step('fetch the task', () => taskRouter.fetchTask(sid));
        if (task === null) {
          // Said gone when its reservations are gone too, or the worker held one: a removed
          // task's existence is no secret.
          const listed = await step('check access to the task', () => reservations(sid));
          if (listed === null || listed.some((status) => HELD.has(status))) return taskGone(sid);
          return noReservation(sid);
        }

        // The task's own call, as its attributes say: the request is bound to it next.
        const own = bindToTask(task.attributes);
        const taskCall = own.ok ? own.call.call_id : '';
        let allowed: boolean;
        try {
          allowed = await step('check access to the task', async () =>
            canActOnTask({
              taskSid: sid,
              callId: taskCall,
              workerSid,
              roles,
              context,
              holdsReservation: () => holds(sid),
            }),
          );
        } catch (error) {
          if (isStickyCallsError(error, ConfigurationError) || isTaskRouterFailure(error)) throw error;
          return unavailable(`check access to task ${sid}`, error, callId);
        }
        if (allowed !== true) {
          const listed = statuses.get(sid);
          if (listed !== undefined && (await listed.catch(() => [])) === null) return taskGone(sid);
          return noReservation(sid);
        }

        // Bound to the task's own call and customer, whatever the request says.
        const bound = bindToTask(task.attributes, request.claims);
        if (!bound.ok) return forbidden(bound.refusal, `${bound.message} (task ${sid})`);
        callId = bound.call.call_id;
        const boundCall = bound.call.call_id;
        // Who checked the caller is the token's worker; when, no later than now.
        const check = fields.identity_check;
        if (check !== undefined)
          fields = {
            ...fields,
            identity_check: recordIdentityCheck(check, workerSid, {
              now: Date.now(),
              callStart: bound.call.call_start,
            }),
          };

        const put = (saved: boolean, first: TaskRouterTask, conversations?: Record<string, string>) =>
          storeOnTask(taskRouter, step, sid, first, request.claims, fields, saved, conversations);

        if (request.action === 'store') {
          return storedAnswer(
            await put(false, task, conversationsFor(insights, fields, task.attributes)),
            sid,
          );
        }

        // A save: only once the completion went ahead.
        if (!ENDED.has(task.assignmentStatus)) {
          logLine(options, 'info', `${name} task=${sid}: not saved, the task is ${task.assignmentStatus}`);
          return answer({
            status: 'not_completed',
            message: `the task is ${task.assignmentStatus || 'not completed'}: a wrap-up is saved once its task completed`,
          });
        }
        const stored = savedOnTask(task, boundCall);
        if (stored !== undefined) {
          // The same wrap-up, saved by the safety net (or by this save's earlier try): saved.
          const same = sameWrapUp(stored.wrapUp, fields);
          logLine(
            options,
            'info',
            `${name} task=${sid} call=${boundCall}: ${same ? 'saved before, this very wrap-up' : 'already saved'}`,
          );
          return answer({
            status: same ? 'saved' : 'already_saved',
            call_id: boundCall,
            customer_ref: stored.customerRef ?? bound.call.customer_ref,
          });
        }
        const params = endCallFor(bound.call, fields);
        // Nothing names the caller (no customer, no phone number), or the agent said it is
        // not the matched customer: it can only stay on the task.
        if (params === null) return storedAnswer(await put(false, task), sid);

        const client = clientFor(context, options, binding.fetch);
        if (client instanceof ConfigurationError) return notConfigured(client, boundCall);
        if (left() < 500)
          return unavailable(
            'save in the time left',
            new Error('the checks used up the deadline'),
            boundCall,
          );
        const outcome = await endWrapUp(client, params, {
          timeout: left() > 2 * MARK_SAVED_RESERVE_MS ? left() - MARK_SAVED_RESERVE_MS : left(),
        });
        if (outcome.status === 'failed') {
          report(options, name, outcome.error, boundCall);
          logLine(options, 'warn', `${name} call=${boundCall}: not saved (${describe(outcome.error)})`);
          await bestEffort('keep the unsaved wrap-up on the task', () => put(false, task), boundCall);
          const code = isStickyCallsError(outcome.error) ? outcome.error.code : 'unknown';
          // What failed is in the log line; the browser gets the code and a fixed message.
          return answer({
            status: 'failed',
            retryable: outcome.retryable,
            code,
            message: failedMessage(code, outcome.retryable),
          });
        }
        logLine(options, 'info', `${name} call=${boundCall}: ${outcome.status} by ${workerSid}`);
        const marked = await bestEffort(
          'mark the wrap-up saved on the task',
          () => put(true, task),
          boundCall,
        );
        // The API had an end already, and the task now marks this very wrap-up saved: the
        // safety net saved it while this request was on its way.
        const savedByNet =
          outcome.status === 'already_saved' &&
          marked?.kind === 'already_saved' &&
          sameWrapUp(marked.wrapUp, fields);
        if (savedByNet)
          logLine(options, 'info', `${name} task=${sid} call=${boundCall}: saved before, this very wrap-up`);
        return answer({
          status: savedByNet ? 'saved' : outcome.status,
          call_id: boundCall,
          customer_ref: outcome.customer_ref,
        });
      } catch (error) {
        if (isStickyCallsError(error, ConfigurationError)) return notConfigured(error, callId);
        if (isTaskRouterFailure(error)) return unavailable('reach TaskRouter', error, callId);
        throw error;
      }

      function taskGone(sid: string): Reply {
        logLine(options, 'warn', `${name} task=${sid}: TaskRouter no longer has the task`);
        return answer({
          status: 'task_gone',
          message: 'TaskRouter no longer has the task (completed tasks are removed after a while)',
        });
      }

      function storedAnswer(outcome: Stored, sid: string): Reply {
        switch (outcome.kind) {
          case 'stored': {
            const saveable = endCallFor(outcome.call, fields) !== null;
            const kept =
              fields.identity_check?.outcome === 'rejected'
                ? ', kept on the task only: the agent said the caller is not the matched customer'
                : ', nothing names the caller';
            logLine(
              options,
              'info',
              `${name} task=${sid} call=${outcome.call.call_id}: stored${saveable ? '' : kept}`,
            );
            if (outcome.conversationsLeftOut)
              logLine(
                options,
                'warn',
                `${name} task=${sid}: Flex Insights conversations attributes left out, no room for them in the task's 4,096 characters`,
              );
            return answer({ status: 'stored', call_id: outcome.call.call_id, saveable });
          }
          case 'already_saved':
            logLine(options, 'info', `${name} task=${sid} call=${outcome.call.call_id}: already saved`);
            return answer({
              status: 'already_saved',
              call_id: outcome.call.call_id,
              customer_ref: outcome.customerRef,
            });
          case 'refused':
            return forbidden(outcome.code, `${outcome.message} (task ${sid})`);
          case 'too_long':
            return invalid([outcome.issue]);
          case 'gone':
            return taskGone(sid);
          case 'conflict':
            logLine(options, 'warn', `${name} task=${sid}: not stored, the task kept changing`);
            return answer({
              status: 'failed',
              retryable: true,
              code: 'conflict',
              message: 'the task kept changing while the wrap-up was stored; try again',
            });
        }
      }

      async function bestEffort(
        what: string,
        work: () => Promise<Stored>,
        callId: string,
      ): Promise<Stored | undefined> {
        try {
          const outcome = await work();
          if (outcome.kind !== 'stored' && outcome.kind !== 'already_saved')
            logLine(options, 'warn', `${name} call=${callId}: could not ${what} (${outcome.kind})`);
          return outcome;
        } catch (error) {
          report(options, name, error, callId);
          logLine(options, 'warn', `${name} call=${callId}: could not ${what} (${describe(error)})`);
          return undefined;
        }
      }
    },
    unexpected(_error, event) {
      const http = saveAnswer({
        status: 'failed',
        retryable: true,
        code: 'unknown',
        message: 'the save failed unexpectedly',
      });
      return { status: http.status, body: http.body, headers: cors(event) };
    },
  };
}

/** Fixed messages of a failed save, by the family of the SDK's error code: nothing of the error itself. */
const FAILED_MESSAGES: Readonly<Record<string, string>> = {
  timeout: 'the Sticky Calls API could not be reached in time',
  network_error: 'the Sticky Calls API could not be reached in time',
  aborted: 'the Sticky Calls API could not be reached in time',
  server_error: 'the Sticky Calls API failed to save the wrap-up',
  rate_limited: 'the Sticky Calls API failed to save the wrap-up',
  invalid_response: 'the Sticky Calls API failed to save the wrap-up',
  unauthorized:
    'the Sticky Calls API refused the save Function’s key or account (the Function’s log says why)',
  quota_exceeded:
    'the Sticky Calls API refused the save Function’s key or account (the Function’s log says why)',
  not_configured:
    'the Sticky Calls API refused the save Function’s key or account (the Function’s log says why)',
  invalid_request: 'the Sticky Calls API refused the wrap-up (the Function’s log says why)',
  bad_request: 'the Sticky Calls API refused the wrap-up (the Function’s log says why)',
  conflict: 'the Sticky Calls API refused the wrap-up (the Function’s log says why)',
  api_error: 'the Sticky Calls API refused the wrap-up (the Function’s log says why)',
};

function failedMessage(code: string, retryable: boolean): string {
  const message = Object.hasOwn(FAILED_MESSAGES, code)
    ? (FAILED_MESSAGES[code] as string)
    : 'the save failed unexpectedly';
  return retryable ? `${message}; try again` : message;
}

function isTaskRouterFailure(error: unknown): error is TaskRouterError {
  return error instanceof TaskRouterError;
}

/** An issue for the log: its field and code, never the request's own text (a variable's name may be anything). */
function issueName(issue: ValidationIssue | WrapUpIssue): string {
  const field =
    typeof issue.path[0] === 'string' && /^[A-Za-z_]{1,20}$/.test(issue.path[0]) ? issue.path[0] : 'body';
  return 'code' in issue ? `${field}: ${issue.code}` : field;
}

function toAnswerIssue(issue: ValidationIssue | WrapUpIssue): {
  path: (string | number)[];
  message: string;
  code?: string;
} {
  return { path: [...issue.path], message: issue.message, ...('code' in issue ? { code: issue.code } : {}) };
}

function allowedOrigins(option: string | readonly string[] | undefined): readonly string[] {
  const origins = typeof option === 'string' ? [option] : (option ?? ['https://flex.twilio.com']);
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new ConfigurationError('allowedOrigin must name at least one origin');
  }
  origins.forEach((origin: unknown, index: number) => {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      // The entry is not quoted: a setting pasted in the wrong place may be a secret.
      throw new ConfigurationError(
        `allowedOrigin entries must be origins such as https://flex.twilio.com (no path or trailing slash): entry ${index + 1} is not`,
      );
    }
  });
  return origins;
}

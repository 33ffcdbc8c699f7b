import {
  ConfigurationError,
  type EndCallParams,
  endWrapUp,
  isStickyCallsError,
  readTaskRouterEvents,
  selectWrapUpsToSave,
  TASK_SID_PATTERN,
  validateWrapUp,
} from '@stickycalls/core';
import {
  checkClientOptions,
  clientFor,
  describe,
  type FunctionContext,
  type FunctionHandler,
  type HandlerOptions,
  logLine,
  report,
  toFunctionHandler,
  within,
} from './runtime.js';
import { savedOnTask, storeOnTask } from './task-wrap-up.js';
import {
  createTaskRouter,
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
} from './taskrouter.js';

/** Options of {@link createWrapupEventHandler}. */
export interface WrapupEventHandlerOptions extends HandlerOptions {
  /**
   * TaskRouter event types that trigger a save of an unsaved wrap-up. A wrap-up stored
   * while the task is wrapping is still being edited: saving it then (`task.wrapup`,
   * `reservation.wrapup`) would save it before the agent finished it.
   * @default ['task.completed']
   */
  eventTypes?: readonly string[];
  /**
   * The whole answer's deadline in milliseconds, every save of the batch included
   * (they run side by side); Functions stop at 10 s.
   * @default 9000
   */
  timeoutMs?: number;
  /**
   * The TaskRouter port to use for a context: each task is fetched again just before its
   * save (skipped when it is marked saved already) and marked saved after it. Without
   * one (a `ConfigurationError`, such as no `TWILIO_WORKSPACE_SID`), the wrap-ups are
   * saved as the events carry them.
   * @default TaskRouter through `context.getTwilioClient()` in `TWILIO_WORKSPACE_SID`
   */
  taskRouter?: (context: FunctionContext, options: TaskRouterOptions) => TaskRouterPort | ConfigurationError;
}

const DEFAULT_EVENT_TYPES = ['task.completed'];
/** Calls saved by this warm instance, so a redelivered event does not even reach the API. */
const SAVED_RECENTLY_LIMIT = 1000;
const ANSWER_MARGIN_MS = 250;
/** Kept from a save's deadline to mark the wrap-up saved on its task afterwards. */
const MARK_SAVED_RESERVE_MS = 1000;

/**
 * A server-side safety net for TaskRouter event callbacks or Event Streams: when a
 * task completes with a Sticky Calls wrap-up that was not marked saved (the agent
 * closed the tab, the save Function failed), it saves it. Each wrap-up is bound to its
 * own task's call and customer (`selectWrapUpsToSave`): one naming another call or
 * customer is refused and logged, never sent. Just before saving, the task is fetched
 * again and skipped when the agent's save marked it saved meanwhile; after saving, it
 * is marked saved on the task (`If-Match`), so the agent's own save finds it saved.
 * Idempotent: a redelivered event saves once (a repeated end meets 409, read as
 * "already saved"). Answers 204, or 503 when a save failed in a way worth a redelivery.
 *
 * @example
 * // functions/wrapup-event.protected.js — the workspace's Event Callback URL
 * const { createWrapupEventHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createWrapupEventHandler();
 */
export function createWrapupEventHandler(options: WrapupEventHandlerOptions = {}): FunctionHandler {
  const timeoutMs = options.timeoutMs ?? 9000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1000 || timeoutMs > 9500) {
    throw new ConfigurationError(
      `timeoutMs must be from 1000 to 9500 ms (Functions stop at 10 s), got ${String(timeoutMs)}`,
    );
  }
  const types = options.eventTypes ?? DEFAULT_EVENT_TYPES;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    !types.every((type) => typeof type === 'string' && type !== '')
  ) {
    throw new ConfigurationError(
      'eventTypes must be a non-empty list of event type names such as "task.completed"',
    );
  }
  if (options.taskRouter !== undefined && typeof options.taskRouter !== 'function') {
    throw new ConfigurationError('taskRouter must be a function');
  }
  checkClientOptions(options);
  const eventTypes = new Set(types);
  const savedRecently = new Set<string>();
  const taskRouterFor = options.taskRouter ?? createTaskRouter;
  const name = 'wrapup-event';

  return toFunctionHandler(
    name,
    options,
    async (context, event) => {
      const deadline = Date.now() + timeoutMs - ANSWER_MARGIN_MS;
      const left = (): number => deadline - Date.now();
      const { saves, refused } = selectWrapUpsToSave(readTaskRouterEvents(event), {
        eventTypes,
        savedRecently: (callId) => savedRecently.has(callId),
      });
      for (const refusal of refused) {
        // Written by whoever can write the task's attributes: logged, never sent.
        logLine(
          options,
          'warn',
          `${name} task=${refusal.taskSid ?? '(unknown)'}: wrap-up not saved, ${refusal.reason}`,
        );
      }
      if (saves.length === 0) return { status: 204, body: '' };

      const client = clientFor(context, options);
      if (client instanceof ConfigurationError) {
        // A redelivery cannot fix configuration: say so once, loudly.
        report(options, name, client, undefined);
        logLine(options, 'error', `${name}: ${saves.length} wrap-up(s) not saved: ${client.message}`);
        return { status: 204, body: '' };
      }

      const port = taskRouterFor(context, { timeoutMs: left });
      if (port instanceof ConfigurationError) {
        logLine(
          options,
          'warn',
          `${name}: saving without fetching the tasks again, so an agent's save may meet this one (${port.message})`,
        );
      }
      const taskRouter = port instanceof ConfigurationError ? undefined : port;
      const step = <T>(what: string, work: () => Promise<T>): Promise<T> =>
        within(
          Promise.resolve().then(work),
          left(),
          () => new TaskRouterError(`TaskRouter did not answer in time to ${what}`, undefined),
        );

      /** The task as it is now; `undefined` when it could not be fetched (the save goes ahead). */
      const fetchAgain = async (
        taskSid: string,
        callId: string,
      ): Promise<TaskRouterTask | null | undefined> => {
        if (taskRouter === undefined) return undefined;
        try {
          return await step('fetch the task', () => taskRouter.fetchTask(taskSid));
        } catch (error) {
          report(options, name, error, callId);
          logLine(
            options,
            isStickyCallsError(error, ConfigurationError) ? 'error' : 'warn',
            `${name} task=${taskSid}: saving without fetching the task again (${describe(error)})`,
          );
          return undefined;
        }
      };

      const markSaved = async (
        taskSid: string,
        task: TaskRouterTask,
        params: EndCallParams,
      ): Promise<void> => {
        if (taskRouter === undefined) return;
        const checked = validateWrapUp({
          intent: params.intent,
          intent_status: params.intent_status,
          variables: params.variables,
        });
        if (!checked.ok) return;
        const what = 'mark the wrap-up saved on the task';
        try {
          const marked = await storeOnTask(
            taskRouter,
            step,
            taskSid,
            task,
            { call_id: params.call_id, customer_ref: params.customer_ref },
            checked.fields,
            true,
          );
          if (marked.kind !== 'stored' && marked.kind !== 'already_saved')
            logLine(options, 'warn', `${name} call=${params.call_id}: could not ${what} (${marked.kind})`);
        } catch (error) {
          report(options, name, error, params.call_id);
          logLine(options, 'warn', `${name} call=${params.call_id}: could not ${what} (${describe(error)})`);
        }
      };

      const outcomes = await Promise.all(
        saves.map(async ({ taskSid, callId, params }) => {
          // The event says what the task held when it was sent: the agent's save may have
          // marked it saved since. Only a task sid is ever put in a URL.
          const known = taskSid !== undefined && TASK_SID_PATTERN.test(taskSid) ? taskSid : undefined;
          const task = known === undefined ? undefined : await fetchAgain(known, callId);
          if (task !== undefined && task !== null && savedOnTask(task, callId) !== undefined) {
            remember(savedRecently, callId);
            logLine(options, 'info', `${name} call=${callId}: already saved (the task says so)`);
            return 'done';
          }
          const markable = known !== undefined && task !== undefined && task !== null ? task : undefined;
          const reserve =
            markable !== undefined && left() > 2 * MARK_SAVED_RESERVE_MS ? MARK_SAVED_RESERVE_MS : 0;
          const outcome = await endWrapUp(client, params, { timeout: Math.max(1, left() - reserve) });
          if (outcome.status !== 'failed') {
            remember(savedRecently, callId);
            logLine(
              options,
              'info',
              `${name} call=${callId}: ${outcome.status === 'already_saved' ? 'already saved' : 'saved by the safety net'}`,
            );
            // Only its own save is marked: a 409 may be another task's end for the call.
            if (outcome.status === 'saved' && known !== undefined && markable !== undefined)
              await markSaved(known, markable, params);
            return 'done';
          }
          report(options, name, outcome.error, callId);
          logLine(options, 'warn', `${name} call=${callId}: not saved (${describe(outcome.error)})`);
          return outcome.retryable ? 'retry' : 'done';
        }),
      );
      // Event Streams redelivers on a non-2xx answer: ask for that only when a retry may help.
      return { status: outcomes.includes('retry') ? 503 : 204, body: '' };
    },
    () => ({ status: 503, body: '' }),
  );
}

function remember(saved: Set<string>, callId: string): void {
  saved.add(callId);
  if (saved.size > SAVED_RECENTLY_LIMIT) saved.delete(saved.values().next().value as string);
}

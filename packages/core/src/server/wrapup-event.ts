import {
  ConfigurationError,
  endWrapUp,
  isStickyCallsError,
  RateLimitError,
  readTaskRouterEvents,
  type SafetyNetSave,
  selectWrapUpsToSave,
  TASK_SID_PATTERN,
} from '../index.js';
import {
  checkClientOptions,
  clientFor,
  describe,
  type HandlerEnv,
  type Logger,
  logLine,
  numberOrType,
  report,
  type ServerHandler,
  type ServerHandlerOptions,
  within,
} from './kit.js';
import { savedOnTask, storeOnTask } from './task-wrap-up.js';
import {
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
} from './taskrouter.js';

/** Options of {@link createWrapupEventHandler}. */
export interface WrapupEventHandlerOptions extends ServerHandlerOptions {
  /**
   * TaskRouter event types that trigger a save of an unsaved wrap-up. A wrap-up stored
   * while the task is wrapping is still being edited: saving it then (`task.wrapup`,
   * `reservation.wrapup`) would save it before the agent finished it.
   * @default ['task.completed']
   */
  eventTypes?: readonly string[];
  /**
   * The whole answer's deadline in milliseconds, every save of the delivery included.
   * Event Streams webhook sinks wait at most 5 s for an answer and TaskRouter's event
   * callbacks 15 s; Functions stop at 10 s. Saves not started by then are left for the
   * redelivery the 503 asks for.
   * @default 4500 for an Event Streams delivery (CloudEvents), 9000 for an event callback
   */
  timeoutMs?: number;
  /**
   * Saves under way at once in this warm instance, every delivery together: each one
   * fetches its task, sends `calls.end` and marks the task. It keeps a large batch from
   * opening hundreds of requests against the API's per-minute rate limit (10 to 1,000
   * requests a minute by plan); at 8, a batch still saves several wrap-ups a second.
   * A whole number from 1 to 100.
   * @default 8
   */
  concurrency?: number;
  /**
   * The TaskRouter port to use for a context: each task is fetched again just before its
   * save (skipped when it is marked saved already) and marked saved after it. Without
   * one (a `ConfigurationError`, such as no `TWILIO_WORKSPACE_SID`), the wrap-ups are
   * saved as the events carry them.
   * @default TaskRouter in `TWILIO_WORKSPACE_SID`, with the adapter's way to reach it
   */
  taskRouter?: (context: HandlerEnv, options: TaskRouterOptions) => TaskRouterPort | ConfigurationError;
}

/** What an adapter brings to the safety net: its runtime's ways to reach the API and TaskRouter. */
export interface WrapupEventBinding {
  /** The `fetch` of the Sticky Calls client when the options give none. */
  readonly fetch?: typeof fetch;
  /** The TaskRouter port when the options give none. */
  readonly taskRouter: (
    context: HandlerEnv,
    options: TaskRouterOptions,
  ) => TaskRouterPort | ConfigurationError;
}

const DEFAULT_EVENT_TYPES = ['task.completed'];
/** Event Streams webhook sinks wait at most 5 s for an answer; later counts as a failed delivery. */
const EVENT_STREAMS_TIMEOUT_MS = 4500;
/** TaskRouter's event callbacks wait 15 s, Functions stop at 10 s. */
const CALLBACK_TIMEOUT_MS = 9000;
const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 100;
/** Calls saved by this warm instance, so a redelivered event does not even reach the API. */
const SAVED_RECENTLY_LIMIT = 1000;
const ANSWER_MARGIN_MS = 250;
/** Kept from a save's deadline to mark the wrap-up saved on its task afterwards. */
const MARK_SAVED_RESERVE_MS = 1000;
/** No `calls.end` is started with less time left: it would mostly time out, and may still land. */
const MIN_START_MS = 250;
/** Past this many wrap-ups, a delivery logs one summary line instead of a line each. */
const PER_EVENT_LOG_LIMIT = 10;

/**
 * What became of one wrap-up of a delivery. `retry`: a save failed in a way a
 * redelivery may fix; `left`: not attempted (rate limited, or out of time), left for
 * the redelivery.
 */
type Settled = 'saved' | 'already_saved' | 'failed' | 'retry' | 'left';

/**
 * A server-side safety net for TaskRouter event callbacks or Event Streams: when a
 * task completes with a Sticky Calls wrap-up that was not marked saved (the agent
 * closed the tab, the save Function failed), it saves it, with the same server-written
 * variables as the save Function (`last_contact_at`, `identity_verified_*`). A wrap-up
 * whose caller the agent said is not the matched customer stays on the task, unsent. Each wrap-up is bound to its
 * own task's call and customer (`selectWrapUpsToSave`): one naming another call or
 * customer is refused and logged, never sent. Just before saving, the task is fetched
 * again and skipped when the agent's save marked it saved meanwhile; after saving, it
 * is marked saved on the task (`If-Match`), so the agent's own save finds it saved.
 *
 * Idempotent and bounded: a warm instance runs one save per call at a time (a delivery
 * of the same event arriving meanwhile waits for that save and shares its outcome) and
 * remembers what it saved; a repeated end meets 409, read as "already saved". At most
 * `concurrency` saves run at once, and once the API answers 429, or the deadline
 * nears, no further save of the delivery starts. Answers 204, or 503 when a save failed
 * in a way worth a redelivery or was left for one: Event Streams then redelivers the
 * whole batch, and the redelivery costs only what was not saved.

 */
export function defineWrapupEventHandler(
  options: WrapupEventHandlerOptions,
  binding: WrapupEventBinding,
): ServerHandler {
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1000 || timeoutMs > 9500)
  ) {
    throw new ConfigurationError(
      `timeoutMs must be from 1000 to 9500 ms (Functions stop at 10 s), got ${numberOrType(timeoutMs)}`,
    );
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new ConfigurationError(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${numberOrType(concurrency)}`,
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
  const taskRouterFor = options.taskRouter ?? binding.taskRouter;
  const name = 'wrapup-event';
  // Shared by every invocation of this warm instance.
  const savedRecently = new Set<string>();
  /** The save under way for a call, whichever delivery started it. */
  const saving = new Map<string, Promise<Settled>>();
  const slots = createLimiter(concurrency);

  return {
    name,
    options,
    async run(context, event) {
      // A workspace event callback is a form with `EventType`; Event Streams sends CloudEvents.
      const callback = typeof event.EventType === 'string';
      const deadline =
        Date.now() +
        (timeoutMs ?? (callback ? CALLBACK_TIMEOUT_MS : EVENT_STREAMS_TIMEOUT_MS)) -
        ANSWER_MARGIN_MS;
      const left = (): number => deadline - Date.now();
      const { saves, refused } = selectWrapUpsToSave(readTaskRouterEvents(event), {
        eventTypes,
        savedRecently: (callId) => savedRecently.has(callId),
      });
      const tally = createTally(options, name, saves.length + refused.length);
      for (const refusal of refused) {
        // Written by whoever can write the task's attributes: logged, never sent.
        tally.log(
          'warn',
          `${name} task=${refusal.taskSid ?? '(unknown)'}: wrap-up not saved, ${refusal.reason}`,
        );
      }
      tally.counts.refused = refused.length;
      if (saves.length === 0) {
        tally.finish(undefined);
        return { status: 204, body: '' };
      }

      const client = clientFor(context, options, binding.fetch);
      if (client instanceof ConfigurationError) {
        // A redelivery cannot fix configuration: say so once, loudly.
        report(options, name, client, undefined);
        logLine(options, 'error', `${name}: ${saves.length} wrap-up(s) not saved: ${client.message}`);
        tally.counts.failed = saves.length;
        tally.finish(undefined);
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
      /** Why this delivery starts no more saves: the rest are left for the redelivery. */
      let stopped: string | undefined;
      const startable = (): boolean => {
        if (stopped === undefined && left() < MIN_START_MS) stopped = 'out of time';
        return stopped === undefined;
      };

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
          tally.log(
            isStickyCallsError(error, ConfigurationError) ? 'error' : 'warn',
            `${name} task=${taskSid}: saving without fetching the task again (${describe(error)})`,
          );
          return undefined;
        }
      };

      /** Marks the stored wrap-up saved: its own fields, not the params (which hold the server's variables). */
      const markSaved = async (
        taskSid: string,
        task: TaskRouterTask,
        { params, fields }: SafetyNetSave,
      ): Promise<void> => {
        if (taskRouter === undefined) return;
        const what = 'mark the wrap-up saved on the task';
        try {
          const marked = await storeOnTask(
            taskRouter,
            step,
            taskSid,
            task,
            { call_id: params.call_id, customer_ref: params.customer_ref },
            fields,
            true,
          );
          if (marked.kind !== 'stored' && marked.kind !== 'already_saved')
            tally.log('warn', `${name} call=${params.call_id}: could not ${what} (${marked.kind})`);
        } catch (error) {
          report(options, name, error, params.call_id);
          tally.log('warn', `${name} call=${params.call_id}: could not ${what} (${describe(error)})`);
        }
      };

      /** One save, in a slot: fetch the task again, end the call, mark the task. */
      const saveOne = async (wrapUp: SafetyNetSave): Promise<Settled> => {
        const { taskSid, callId, params } = wrapUp;
        if (!startable()) return 'left';
        // The event says what the task held when it was sent: the agent's save may have
        // marked it saved since. Only a task sid is ever put in a URL.
        const known = taskSid !== undefined && TASK_SID_PATTERN.test(taskSid) ? taskSid : undefined;
        const task = known === undefined ? undefined : await fetchAgain(known, callId);
        if (task !== undefined && task !== null && savedOnTask(task, callId) !== undefined) {
          remember(savedRecently, callId);
          tally.log('info', `${name} call=${callId}: already saved (the task says so)`);
          return 'already_saved';
        }
        // The API may have refused another save of this delivery meanwhile.
        if (!startable()) return 'left';
        const markable = known !== undefined && task !== undefined && task !== null ? task : undefined;
        const reserve =
          markable !== undefined && left() > 2 * MARK_SAVED_RESERVE_MS ? MARK_SAVED_RESERVE_MS : 0;
        const outcome = await endWrapUp(client, params, { timeout: Math.max(1, left() - reserve) });
        if (outcome.status !== 'failed') {
          remember(savedRecently, callId);
          tally.log(
            'info',
            `${name} call=${callId}: ${outcome.status === 'already_saved' ? 'already saved' : 'saved by the safety net'}`,
          );
          // Only its own save is marked: a 409 may be another task's end for the call.
          if (outcome.status === 'saved' && known !== undefined && markable !== undefined)
            await markSaved(known, markable, wrapUp);
          return outcome.status;
        }
        // Every further request would meet the same limit: leave the rest for the redelivery.
        if (isStickyCallsError(outcome.error, RateLimitError)) stopped ??= 'the API is rate limiting';
        report(options, name, outcome.error, callId);
        tally.log('warn', `${name} call=${callId}: not saved (${describe(outcome.error)})`);
        return outcome.retryable ? 'retry' : 'failed';
      };

      /** One save per call at a time in this instance: a later delivery shares the first one's outcome. */
      const save = async (wrapUp: SafetyNetSave): Promise<Settled> => {
        const { callId } = wrapUp;
        const under = saving.get(callId);
        if (under !== undefined) {
          const shared = await settleWithin(under, left(), 'left');
          tally.log('info', `${name} call=${callId}: ${sharedLine(shared)}`);
          return shared === 'saved' ? 'already_saved' : shared;
        }
        if (savedRecently.has(callId)) {
          tally.log('info', `${name} call=${callId}: already saved (by an earlier delivery)`);
          return 'already_saved';
        }
        if (!startable()) return 'left';
        const own = (async (): Promise<Settled> => {
          const release = await slots.acquire(left() - MIN_START_MS);
          if (release === undefined) {
            stopped ??= 'out of time';
            return 'left';
          }
          try {
            return await saveOne(wrapUp);
          } catch (error) {
            report(options, name, error, callId);
            tally.log('warn', `${name} call=${callId}: not saved (${describe(error)})`);
            return 'retry';
          } finally {
            release();
          }
        })();
        saving.set(callId, own);
        const forget = (): void => {
          if (saving.get(callId) === own) saving.delete(callId);
        };
        own.then(forget, forget);
        return own;
      };

      // Up to `concurrency` workers take the delivery's saves in turn; the instance's
      // slots bound them together with every other delivery's.
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let wrapUp = saves[next++]; wrapUp !== undefined; wrapUp = saves[next++]) {
          tally.counts[await save(wrapUp)] += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, saves.length) }, worker));
      tally.finish(stopped);
      // Event Streams redelivers on a non-2xx answer: ask for that only when a retry may help.
      return { status: tally.counts.retry + tally.counts.left > 0 ? 503 : 204, body: '' };
    },
    unexpected: () => ({ status: 503, body: '' }),
  };
}

function sharedLine(shared: Settled): string {
  switch (shared) {
    case 'saved':
    case 'already_saved':
      return 'already saved (by another delivery of this event)';
    case 'failed':
      return 'not saved (another delivery of this event failed to save it)';
    default:
      return 'left for a redelivery (another delivery of this event could not save it)';
  }
}

/**
 * The delivery's log: a line per wrap-up for a small delivery; for a large one, one
 * summary line with the counts and the first warning, so a batch of hundreds does not
 * write hundreds of lines.
 */
function createTally(options: WrapupEventHandlerOptions, name: string, size: number) {
  const perEvent = size <= PER_EVENT_LOG_LIMIT;
  const counts: Record<Settled | 'refused', number> = {
    saved: 0,
    already_saved: 0,
    refused: 0,
    failed: 0,
    retry: 0,
    left: 0,
  };
  let warnings = 0;
  let firstWarning: string | undefined;
  return {
    counts,
    log(level: keyof Logger, message: string): void {
      if (perEvent) logLine(options, level, message);
      else if (level !== 'info') {
        warnings += 1;
        firstWarning ??= message;
      }
    },
    finish(stopped: string | undefined): void {
      if (perEvent) return;
      const leftOver = counts.retry + counts.left;
      const line =
        `${name}: ${size} wrap-ups in the batch: ${counts.saved} saved, ${counts.already_saved} already saved, ` +
        `${counts.refused} refused, ${counts.failed} not saved, ${leftOver} left for redelivery` +
        (leftOver > 0 && stopped !== undefined ? ` (${stopped})` : '') +
        (firstWarning === undefined ? '' : `; ${warnings} warning(s), the first: ${firstWarning}`);
      logLine(options, warnings > 0 || leftOver > 0 || counts.failed > 0 ? 'warn' : 'info', line);
    },
  };
}

/**
 * At most `size` holders at once, handed over in the order they asked; a waiter gives
 * up after `ms` (`undefined`), so no save waits past its delivery's deadline.
 */
function createLimiter(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next === undefined) active -= 1;
      else next();
    };
  };
  return {
    acquire(ms: number): Promise<(() => void) | undefined> {
      if (active < size) {
        active += 1;
        return Promise.resolve(releaser());
      }
      if (ms <= 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const grant = (): void => {
          clearTimeout(timer);
          resolve(releaser());
        };
        const timer = setTimeout(() => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          resolve(undefined);
        }, ms);
        waiting.push(grant);
      });
    },
  };
}

/** `promise`'s value, or `fallback` once `ms` have passed or if it rejects. */
function settleWithin<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return within(promise, ms, () => new Error('timeout')).catch(() => fallback);
}

function remember(saved: Set<string>, callId: string): void {
  saved.add(callId);
  if (saved.size > SAVED_RECENTLY_LIMIT) saved.delete(saved.values().next().value as string);
}

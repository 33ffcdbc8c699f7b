import {
  ConfigurationError,
  ConflictError,
  isStickyCallsError,
  readWrapUp,
  type WrapUp,
  wrapUpToEndCall,
} from '@stickycalls/core';
import {
  clientFor,
  describe,
  type FunctionEvent,
  type FunctionHandler,
  type HandlerOptions,
  logLine,
  report,
  toFunctionHandler,
} from './runtime.js';

/** Options of {@link createWrapupEventHandler}. */
export interface WrapupEventHandlerOptions extends HandlerOptions {
  /**
   * TaskRouter event types that trigger a save of an unsaved wrap-up.
   * @default ['task.completed', 'task.wrapup', 'reservation.wrapup', 'reservation.completed']
   */
  eventTypes?: readonly string[];
  /**
   * Deadline of each `calls.end`, retries included, in milliseconds.
   * @default 8000
   */
  timeoutMs?: number;
}

/** One TaskRouter event, from a workspace event callback or an Event Streams CloudEvent. */
interface TaskEvent {
  readonly type: string;
  readonly attributes: unknown;
}

const DEFAULT_EVENT_TYPES = ['task.completed', 'task.wrapup', 'reservation.wrapup', 'reservation.completed'];
/** Calls saved by this warm instance, so a redelivered event does not even reach the API. */
const SAVED_RECENTLY_LIMIT = 1000;

/**
 * A server-side safety net for TaskRouter event callbacks or Event Streams: when a
 * task reaches wrap-up or completes with a Sticky Calls wrap-up that the plugin did
 * not mark saved (the agent closed the tab, the save Function failed), it saves it.
 * Idempotent: a redelivered event saves once (a repeated end meets 409, read as
 * "already saved"). Answers 204, or 503 when a save failed in a way worth a redelivery.
 *
 * @example
 * // functions/wrapup-event.protected.js — the workspace's Event Callback URL
 * const { createWrapupEventHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createWrapupEventHandler();
 */
export function createWrapupEventHandler(options: WrapupEventHandlerOptions = {}): FunctionHandler {
  const timeoutMs = options.timeoutMs ?? 8000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 9000) {
    throw new ConfigurationError(
      `timeoutMs must be from 1 to 9000 ms (Functions stop at 10 s), got ${String(timeoutMs)}`,
    );
  }
  const eventTypes = new Set(options.eventTypes ?? DEFAULT_EVENT_TYPES);
  const savedRecently = new Set<string>();
  const name = 'wrapup-event';

  return toFunctionHandler(
    name,
    options,
    async (context, event) => {
      const pending = taskEvents(event)
        .filter((taskEvent) => eventTypes.has(taskEvent.type))
        .map((taskEvent) => readWrapUp(taskEvent.attributes))
        .filter((wrapUp): wrapUp is WrapUp => wrapUp !== undefined && wrapUp.saved !== true)
        .filter((wrapUp) => !savedRecently.has(wrapUp.call_id));
      if (pending.length === 0) return { status: 204, body: '' };

      const client = clientFor(context, options);
      if (client === undefined) {
        report(options, name, new ConfigurationError('STICKY_CALLS_API_KEY is not set'), pending[0]?.call_id);
        logLine(
          options,
          'error',
          `${name}: STICKY_CALLS_API_KEY is not set; ${pending.length} wrap-up(s) not saved`,
        );
        return { status: 204, body: '' };
      }

      let redeliver = false;
      for (const wrapUp of unique(pending)) {
        try {
          const saved = await client.calls.end(wrapUpToEndCall(wrapUp), { timeout: timeoutMs });
          remember(savedRecently, wrapUp.call_id);
          logLine(
            options,
            'info',
            `${name} call=${wrapUp.call_id}: ${saved.already_saved ? 'already saved' : 'saved'} by the safety net`,
          );
        } catch (error) {
          if (isStickyCallsError(error, ConflictError)) {
            remember(savedRecently, wrapUp.call_id);
            logLine(options, 'info', `${name} call=${wrapUp.call_id}: already saved`);
            continue;
          }
          report(options, name, error, wrapUp.call_id);
          logLine(options, 'warn', `${name} call=${wrapUp.call_id}: not saved (${describe(error)})`);
          redeliver ||= !isStickyCallsError(error) || error.retryable;
        }
      }
      // Event Streams redelivers on a non-2xx answer: ask for that only when a retry may help.
      return { status: redeliver ? 503 : 204, body: '' };
    },
    () => ({ status: 503, body: '' }),
  );
}

/** The TaskRouter events in a Function's event: one workspace callback, or Event Streams CloudEvents. */
function taskEvents(event: FunctionEvent): TaskEvent[] {
  if (typeof event.EventType === 'string') {
    return [{ type: event.EventType, attributes: event.TaskAttributes }];
  }
  // Event Streams posts a JSON array of CloudEvents; the runtime spreads it by index.
  const cloudEvents = Array.isArray(event)
    ? event
    : Object.keys(event)
        .filter((key) => /^\d+$/.test(key))
        .map((key) => event[key]);
  if (typeof event.type === 'string') cloudEvents.push(event);
  return cloudEvents.flatMap((cloudEvent): TaskEvent[] => {
    if (typeof cloudEvent !== 'object' || cloudEvent === null) return [];
    const { type, data } = cloudEvent as { type?: unknown; data?: { payload?: Record<string, unknown> } };
    const payload = data?.payload;
    if (typeof type !== 'string' || payload === undefined) return [];
    const eventType =
      typeof payload.eventtype === 'string'
        ? payload.eventtype
        : type.replace(/^com\.twilio\.taskrouter\./, '');
    return [{ type: eventType, attributes: payload.task_attributes }];
  });
}

function unique(wrapUps: WrapUp[]): WrapUp[] {
  return [...new Map(wrapUps.map((wrapUp) => [wrapUp.call_id, wrapUp])).values()];
}

function remember(saved: Set<string>, callId: string): void {
  saved.add(callId);
  if (saved.size > SAVED_RECENTLY_LIMIT) saved.delete(saved.values().next().value as string);
}

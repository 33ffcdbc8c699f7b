import { ConfigurationError, endWrapUp, readTaskRouterEvents, selectWrapUpsToSave } from '@stickycalls/core';
import {
  checkClientOptions,
  clientFor,
  describe,
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
   * The whole answer's deadline in milliseconds, every save of the batch included
   * (they run side by side); Functions stop at 10 s.
   * @default 9000
   */
  timeoutMs?: number;
}

const DEFAULT_EVENT_TYPES = ['task.completed', 'task.wrapup', 'reservation.wrapup', 'reservation.completed'];
/** Calls saved by this warm instance, so a redelivered event does not even reach the API. */
const SAVED_RECENTLY_LIMIT = 1000;
const ANSWER_MARGIN_MS = 250;

/**
 * A server-side safety net for TaskRouter event callbacks or Event Streams: when a
 * task reaches wrap-up or completes with a Sticky Calls wrap-up that was not marked
 * saved (the agent closed the tab, the save Function failed), it saves it. Each
 * wrap-up is bound to its own task's call and customer (`selectWrapUpsToSave`): one
 * naming another call or customer is refused and logged, never sent. Idempotent: a
 * redelivered event saves once (a repeated end meets 409, read as "already saved").
 * Answers 204, or 503 when a save failed in a way worth a redelivery.
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
  checkClientOptions(options);
  const eventTypes = new Set(types);
  const savedRecently = new Set<string>();
  const name = 'wrapup-event';

  return toFunctionHandler(
    name,
    options,
    async (context, event) => {
      const deadline = Date.now() + timeoutMs - ANSWER_MARGIN_MS;
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

      const outcomes = await Promise.all(
        saves.map(async ({ callId, params }) => {
          const outcome = await endWrapUp(client, params, { timeout: Math.max(1, deadline - Date.now()) });
          if (outcome.status !== 'failed') {
            remember(savedRecently, callId);
            logLine(
              options,
              'info',
              `${name} call=${callId}: ${outcome.status === 'already_saved' ? 'already saved' : 'saved by the safety net'}`,
            );
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

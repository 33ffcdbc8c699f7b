import { type WrapupEventHandlerOptions as CoreOptions, defineWrapupEventHandler } from '@stickycalls/core';
import { nodeFetch } from './node-fetch.js';
import { type FunctionHandler, type HandlerOptions, toFunctionHandler } from './runtime.js';
import { createTaskRouter } from './taskrouter.js';

/** Options of {@link createWrapupEventHandler}: the core handler's, and the Function's own. */
export interface WrapupEventHandlerOptions extends CoreOptions, HandlerOptions {}

/**
 * A server-side safety net for TaskRouter event callbacks or Event Streams: when a
 * task completes with a Sticky Calls wrap-up that was not marked saved (the agent
 * closed the tab, the save Function failed), it saves it, bound to its own task's call
 * and customer, and marks it saved on the task. Idempotent and bounded; answers 204, or
 * 503 when a redelivery may save what this one could not. The core's
 * `defineWrapupEventHandler` says how.
 *
 * @example
 * // functions/wrapup-event.protected.js — the workspace's Event Callback URL
 * const { createWrapupEventHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createWrapupEventHandler();
 */
export function createWrapupEventHandler(options: WrapupEventHandlerOptions = {}): FunctionHandler {
  return toFunctionHandler(
    defineWrapupEventHandler(options, { fetch: nodeFetch, taskRouter: createTaskRouter }),
    options,
  );
}

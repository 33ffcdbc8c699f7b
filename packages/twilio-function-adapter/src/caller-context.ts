import {
  type CallerContextHandlerOptions as CoreOptions,
  defineCallerContextHandler,
} from '@stickycalls/core';
import { nodeFetch } from './node-fetch.js';
import { type FunctionHandler, type HandlerOptions, toFunctionHandler } from './runtime.js';

/** Options of {@link createCallerContextHandler}: the core handler's, and the Function's own. */
export interface CallerContextHandlerOptions extends CoreOptions, HandlerOptions {}

/**
 * A Twilio Function for Studio's Run Function widget at call start: it looks the
 * caller up and answers 200 with task attributes, always with the same keys (the
 * vendor guide's flat keys and the `sticky_calls` object), within its deadline
 * whatever the API does. On any failure the attributes are degraded with a reason
 * code and the call goes on to an agent.
 *
 * Reads `From`, `CallSid` and `To` from the event, and optionally `external_ids`
 * (an object or its JSON: stable ids such as a CRM id) and `line_type`.
 *
 * @example
 * // functions/caller-context.protected.js
 * const { createCallerContextHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createCallerContextHandler();
 */
export function createCallerContextHandler(options: CallerContextHandlerOptions = {}): FunctionHandler {
  return toFunctionHandler(defineCallerContextHandler(options, nodeFetch), options);
}

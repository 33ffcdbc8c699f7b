import { type SaveContextHandlerOptions as CoreOptions, defineSaveContextHandler } from '@stickycalls/core';
import { flexTokenValidator, tokenOutsideBody } from './flex-token.js';
import { nodeFetch } from './node-fetch.js';
import { type FunctionHandler, type HandlerOptions, toFunctionHandler } from './runtime.js';
import { createTaskRouter } from './taskrouter.js';

/** Options of {@link createSaveContextHandler}: the core handler's, and the Function's own. */
export interface SaveContextHandlerOptions extends CoreOptions, HandlerOptions {}

/**
 * A public Twilio Function the Flex plugin calls at wrap-up. It authenticates the
 * agent's Flex token (`Token` in the body), reads the task from TaskRouter, checks that
 * the agent holds or held a reservation on the task, binds the wrap-up to the task's
 * own call and customer, and then stores the wrap-up on the task (`action: 'store'`,
 * before completion) or saves it with `calls.end` once the task completed
 * (`action: 'save'`, the default).
 *
 * The agent's identity check is recorded as made by the token's worker (never the
 * request's word), at a time no later than now. A `rejected` check ("not this caller")
 * keeps the wrap-up on the task only: nothing is written into the matched customer's
 * memory (`stored`, `saveable: false`). Each `calls.end` carries `last_contact_at` and,
 * for a verified caller, `identity_verified_at`, `_by` and `_how`, written here only.
 * Answers are core's save protocol (`saveAnswer`), each with CORS headers, within
 * the deadline.
 *
 * @example
 * // functions/save-context.js
 * const { createSaveContextHandler } = require('@stickycalls/twilio-function-adapter');
 * exports.handler = createSaveContextHandler();
 */
export function createSaveContextHandler(options: SaveContextHandlerOptions = {}): FunctionHandler {
  const handler = defineSaveContextHandler(options, {
    fetch: nodeFetch,
    validateToken: flexTokenValidator,
    taskRouter: createTaskRouter,
    // Twilio merges the query and the body into the event: the headers tell a token sent in the URL.
    tokenOf: (event) => {
      const token = typeof event.Token === 'string' ? event.Token : '';
      return token !== '' && tokenOutsideBody(event, token) ? { inUrl: true } : token;
    },
    tokenWhere: 'in the request body, as Token',
    allowHeaders: 'Content-Type',
  });
  return toFunctionHandler(handler, options);
}

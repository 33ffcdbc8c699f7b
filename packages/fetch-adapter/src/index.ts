/**
 * @stickycalls/fetch-adapter: the Sticky Calls handlers as `(request: Request) =>
 * Promise<Response>`, for Node (`@stickycalls/fetch-adapter/node`), AWS Lambda
 * (`@stickycalls/fetch-adapter/lambda`) and fetch-standard runtimes (Cloudflare Workers,
 * Deno, Bun, Vercel). The same core handlers as the Twilio Function adapter's, and what
 * Twilio Functions did for you done here: Twilio's signature checked, preflights answered.
 */
import {
  type CallerContextHandlerOptions as CallerContextCoreOptions,
  createFetchTaskRouter,
  defineCallerContextHandler,
  defineSaveContextHandler,
  defineWrapupEventHandler,
  fetchIamAsk,
  type HandlerEnv,
  type HandlerEvent,
  iamTokenValidator,
  type SaveContextHandlerOptions as SaveContextCoreOptions,
  type TaskRouterOptions,
  type WrapupEventHandlerOptions as WrapupEventCoreOptions,
} from '@stickycalls/core';
import {
  type FetchHandler,
  type FetchHandlerOptions,
  type SignedHandlerOptions,
  toFetchHandler,
} from './fetch-handler.js';

export type {
  FetchHandler,
  FetchHandlerOptions,
  RuntimeContext,
  SignedHandlerOptions,
} from './fetch-handler.js';
export { MAX_BODY_BYTES } from './request.js';

import { queryOf } from './request.js';

export { type SignatureCheck, type SignatureInput, verifyTwilioSignature } from './signature.js';

/** Options of {@link createCallerContextHandler}. */
export interface CallerContextHandlerOptions extends CallerContextCoreOptions, SignedHandlerOptions {}

/** How the handlers that read tasks reach Twilio. */
export interface TwilioFetchOptions {
  /**
   * The `fetch` that reaches Twilio's APIs (IAM for the agent's token, TaskRouter for the
   * task), with the settings' `ACCOUNT_SID` and `AUTH_TOKEN` (or `API_KEY`, `API_SECRET`).
   * @default the runtime's `fetch`
   */
  twilioFetch?: typeof fetch;
}

/** Options of {@link createSaveContextHandler}. */
export interface SaveContextHandlerOptions
  extends SaveContextCoreOptions,
    FetchHandlerOptions,
    TwilioFetchOptions {}

/** Options of {@link createWrapupEventHandler}. */
export interface WrapupEventHandlerOptions
  extends WrapupEventCoreOptions,
    SignedHandlerOptions,
    TwilioFetchOptions {}

/**
 * The caller-context handler for Studio's HTTP Request widget at call start: the same
 * answer as the Twilio Function's (200 with task attributes, degraded with a reason code
 * when the API fails, within `timeoutMs`), after checking `X-Twilio-Signature` with
 * `AUTH_TOKEN`: an unsigned or wrongly signed request gets 403 and reaches no API.
 * Reads `From`, `To`, `CallSid` (and `external_ids`, `line_type`) from the form or JSON body.
 *
 * @example
 * // Cloudflare Workers
 * import { createCallerContextHandler } from '@stickycalls/fetch-adapter';
 * const handler = createCallerContextHandler();
 * export default { fetch: (request, env) => handler(request, { env }) };
 */
export function createCallerContextHandler(options: CallerContextHandlerOptions = {}): FetchHandler {
  return toFetchHandler(defineCallerContextHandler(options), options, {
    signed: true,
    methods: ['POST', 'GET'],
  });
}

/**
 * The save handler the Flex plugin calls at wrap-up: the same checks and answers as the
 * Twilio Function's (token checked by Twilio IAM, bound to the task the agent holds,
 * stored on the task, saved once it completed). The agent's Flex token comes as
 * `Authorization: Bearer <token>` (or `Token` in the body, as the Function takes it); a
 * token in the URL is refused unchecked. Answers the browser's preflight itself, with
 * CORS on every answer. Reaches IAM and TaskRouter with `fetch` and `ACCOUNT_SID`,
 * `AUTH_TOKEN` (or `API_KEY`, `API_SECRET`) and `TWILIO_WORKSPACE_SID`.
 *
 * @example
 * import { createSaveContextHandler } from '@stickycalls/fetch-adapter';
 * const handler = createSaveContextHandler({ allowedOrigin: 'https://flex.twilio.com' });
 */
export function createSaveContextHandler(options: SaveContextHandlerOptions = {}): FetchHandler {
  const handler = defineSaveContextHandler(options, {
    validateToken: iamTokenValidator(fetchIamAsk(options.twilioFetch)),
    taskRouter: taskRouterOf(options),
    tokenOf,
    tokenWhere: 'as Authorization: Bearer <token>, or as Token in the body',
    allowHeaders: 'Content-Type, Authorization',
  });
  return toFetchHandler(handler, options, { signed: false, methods: ['POST'] });
}

/**
 * The wrap-up safety net for TaskRouter's event callbacks and Event Streams' webhook
 * sinks: the same saves and answers as the Twilio Function's (204, or 503 when a
 * redelivery may save what this one could not), after checking `X-Twilio-Signature`.
 *
 * @example
 * import { createWrapupEventHandler } from '@stickycalls/fetch-adapter';
 * const handler = createWrapupEventHandler({ publicUrl: 'https://hooks.example.com/wrapup-event' });
 */
export function createWrapupEventHandler(options: WrapupEventHandlerOptions = {}): FetchHandler {
  const handler = defineWrapupEventHandler(options, { taskRouter: taskRouterOf(options) });
  return toFetchHandler(handler, options, { signed: true, methods: ['POST'] });
}

function taskRouterOf({ twilioFetch }: TwilioFetchOptions) {
  return (env: HandlerEnv, options: TaskRouterOptions) =>
    createFetchTaskRouter(env, { ...options, ...(twilioFetch === undefined ? {} : { fetch: twilioFetch }) });
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The agent's token: `Authorization: Bearer …` first, else the body's `Token`. A token
 * in the query string is refused (`inUrl`), whatever else the request carries.
 */
function tokenOf(event: HandlerEvent): string | { readonly inUrl: true } {
  if (queryOf(event).has('Token')) return { inUrl: true };
  const authorization = event.request?.headers?.authorization;
  const bearer = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
  if (bearer !== undefined) return bearer;
  return typeof event.Token === 'string' ? event.Token : '';
}

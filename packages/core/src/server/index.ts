/**
 * What every server handler does before it meets its runtime: the caller-context
 * handler (Studio), the save handler (Flex, token-checked, bound to its task), the
 * wrap-up safety net (TaskRouter events), and the ports they reach Twilio through.
 * `@stickycalls/twilio-function-adapter` binds them to Twilio Functions,
 * `@stickycalls/fetch-adapter` to fetch `Request`s and `Response`s.
 */
export { type CallerContextHandlerOptions, defineCallerContextHandler } from './caller-context.js';
export {
  fetchIamAsk,
  type IamAsk,
  type IamSettings,
  iamTokenValidator,
  TokenCheckUnavailableError,
  type TokenResult,
  type TokenValidator,
} from './flex-token.js';
export type { ConversationAttribute, InsightsOptions } from './insights.js';
export {
  answerOf,
  callIdOf,
  checkClientOptions as checkHandlerOptions,
  clientFor,
  describe,
  failedUnexpectedly,
  type HandlerEnv,
  type HandlerEvent,
  type Logger,
  logLine,
  numberOrType,
  RedactedError,
  type Reply,
  report,
  type ServerHandler,
  type ServerHandlerOptions,
  within,
} from './kit.js';
export {
  defineSaveContextHandler,
  type SaveContextBinding,
  type SaveContextHandlerOptions,
  type TaskAccessCheck,
  type TaskAccessRequest,
} from './save-context.js';
export {
  type AttributesUpdate,
  createFetchTaskRouter,
  createTaskRouterPort,
  fetchTwilioRequester,
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
  type TwilioCredentials,
  type TwilioRequester,
  workspaceSidOf,
} from './taskrouter.js';
export {
  cachedTokenKeys,
  resetTokenCache,
  TOKEN_CACHE_MAX_ENTRIES,
  TOKEN_CACHE_TTL_MS,
} from './token-cache.js';
export {
  defineWrapupEventHandler,
  type WrapupEventBinding,
  type WrapupEventHandlerOptions,
} from './wrapup-event.js';

/**
 * @stickycalls/twilio-function-adapter: Twilio Functions for Sticky Calls.
 * A test kit for your own Functions is at `@stickycalls/twilio-function-adapter/testing`.
 */
export { type CallerContextHandlerOptions, createCallerContextHandler } from './caller-context.js';
export { TokenCheckUnavailableError, type TokenResult, type TokenValidator } from './flex-token.js';
export type { ConversationAttribute, InsightsOptions } from './insights.js';
export type {
  FunctionCallback,
  FunctionContext,
  FunctionEvent,
  FunctionHandler,
  FunctionResponse,
  HandlerOptions,
  Logger,
  ResponseConstructor,
} from './runtime.js';
export { RedactedError } from './runtime.js';
export {
  createSaveContextHandler,
  type SaveContextHandlerOptions,
  type TaskAccessCheck,
  type TaskAccessRequest,
} from './save-context.js';
export {
  type AttributesUpdate,
  createTaskRouter,
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
} from './taskrouter.js';
export { createWrapupEventHandler, type WrapupEventHandlerOptions } from './wrapup-event.js';

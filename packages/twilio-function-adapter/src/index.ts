/**
 * @stickycalls/twilio-function-adapter: Twilio Functions for Sticky Calls.
 * A test kit for your own Functions is at `@stickycalls/twilio-function-adapter/testing`.
 */
export {
  type AttributesUpdate,
  type ConversationAttribute,
  type InsightsOptions,
  type Logger,
  RedactedError,
  type TaskAccessCheck,
  type TaskAccessRequest,
  TaskRouterError,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TaskRouterTask,
  TokenCheckUnavailableError,
  type TokenResult,
  type TokenValidator,
} from '@stickycalls/core';
export { type CallerContextHandlerOptions, createCallerContextHandler } from './caller-context.js';
export type {
  FunctionCallback,
  FunctionContext,
  FunctionEvent,
  FunctionHandler,
  FunctionResponse,
  HandlerOptions,
  ResponseConstructor,
} from './runtime.js';
export { createSaveContextHandler, type SaveContextHandlerOptions } from './save-context.js';
export { createTaskRouter } from './taskrouter.js';
export { createWrapupEventHandler, type WrapupEventHandlerOptions } from './wrapup-event.js';

/**
 * @stickycalls/twilio-function-adapter: Twilio Functions for Sticky Calls.
 * A test kit for your own Functions is at `@stickycalls/twilio-function-adapter/testing`.
 */
export { type CallerContextHandlerOptions, createCallerContextHandler } from './caller-context.js';
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
export {
  createSaveContextHandler,
  type SaveContextHandlerOptions,
  type TaskAccessCheck,
  TokenCheckUnavailableError,
  type TokenResult,
  type TokenValidator,
} from './save-context.js';
export { createWrapupEventHandler, type WrapupEventHandlerOptions } from './wrapup-event.js';

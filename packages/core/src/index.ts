/**
 * @stickycalls/core: the typed Sticky Calls client, its errors, identity tiers,
 * caller-number handling, the task-attribute writer and reader, and the wrap-up
 * lifecycle (validator, save protocol, task binding, session, safety net), and the
 * server handlers before they meet a runtime (`defineCallerContextHandler`, …).
 * The API emulator is at `@stickycalls/core/testing`.
 */

export {
  type CallerContextState,
  type ReaderOptions,
  readCallerContext,
  taskAttributes,
} from './attributes/reader.js';
export {
  ATTRIBUTE_KEY,
  ATTRIBUTE_VERSION,
  type CallerContextAttribute,
  type CallerContextAttributes,
  type CallerContextIntent,
  callerContextAttributeSchema,
  callerContextAttributesSchema,
  DEGRADED_REASONS,
  type DegradedReason,
  degradedReason,
} from './attributes/schema.js';
export {
  type AttributeWriterOptions,
  degradedTaskAttributes,
  FLEX_ATTRIBUTES_RESERVE,
  resolveAttributeWriterOptions,
  TASK_ATTRIBUTES_LIMIT,
  toTaskAttributes,
} from './attributes/writer.js';
export { type CallStartInput, type CallStartParamsResult, callStartParams } from './call-start.js';
export {
  type CallerNumber,
  type CallerNumberOptions,
  callerAni,
  isE164,
  maskCallerNumber,
  parseCallerNumber,
} from './caller-number.js';
export {
  checkClientOptions,
  createStickyCallsClient,
  DEFAULT_TIMEOUT,
  type EndCallResult,
  type StickyCallsClient,
} from './client.js';
export { DEFAULT_BASE_URL } from './constants.js';
export {
  type CallerIdentity,
  type EndCallBody,
  type EndCallParams,
  type EndCallResponse,
  endCallParamsSchema,
  endCallResponseSchema,
  type IdentityHints,
  INTENT_STATUSES,
  type IntentStatus,
  type KnownIntentStatus,
  LINE_TYPES,
  type LineType,
  normalizeIntentStatus,
  type OpenIntent,
  type StartCallParams,
  type StartCallResponse,
  type StoredVariable,
  startCallParamsSchema,
  startCallResponseSchema,
} from './contract.js';
export {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ConflictError,
  InsufficientCreditsError,
  InternalServerError,
  isStickyCallsError,
  type Operation,
  RateLimitError,
  RequestValidationError,
  ResponseValidationError,
  STICKY_CALLS_ERROR_CODES,
  StickyCallsError,
  type StickyCallsErrorCode,
  type ValidationIssue,
} from './errors.js';
export {
  type IdentityLevel,
  type IdentityTier,
  identityTier,
  levelForConfidence,
  recommendationForConfidence,
  type TierOptions,
} from './identity.js';
export type {
  ClientHooks,
  ClientOptions,
  CompleteEvent,
  PerOperation,
  RequestEvent,
  RequestOptions,
  ResponseEvent,
  RetryEvent,
  RetryOptions,
} from './options.js';
export { escapeForLog, maskApiKey } from './redact.js';
export { type BackoffOptions, backoffDelay } from './retry.js';
export * from './server/index.js';
export { readTaskRouterEvents, type TaskRouterEvent } from './taskrouter-events.js';
export * from './wrap-up/index.js';

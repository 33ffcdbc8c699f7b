/**
 * The wrap-up lifecycle, free of React and Flex: the stored wrap-up, its one validator,
 * the binding of a save to its task, the save protocol, the browser's poster, the
 * drafts, the session that completes and retries, and the safety net's selection.
 */
export {
  bindToTask,
  type EndCallForOptions,
  endCallFor,
  type SaveClaims,
  type TaskBinding,
  type TaskBindingRefusal,
  type TaskCall,
  withWrapUp,
  wrapUpFor,
} from './binding.js';
export {
  checkDraft,
  createWrapUpStore,
  type DraftCheck,
  type DraftRules,
  type DraftStorage,
  EMPTY_DRAFT,
  fieldOf,
  NEW_INTENT,
  savedLength,
  WRAP_UP_STATUSES,
  type WrapUpDraft,
  type WrapUpEntry,
  type WrapUpPhase,
  type WrapUpStatus,
  type WrapUpStore,
  type WrapUpStoreOptions,
} from './drafts.js';
export { type EndWrapUpOutcome, endWrapUp } from './end-call.js';
export {
  IDENTITY_CHECK_METHODS,
  IDENTITY_CHECK_OUTCOMES,
  type IdentityCheck,
  type IdentityCheckMethod,
  type IdentityCheckOutcome,
  type IdentityCheckRecording,
  type RecordedIdentityCheck,
  readIdentityCheck,
  recordIdentityCheck,
  SERVER_VARIABLE_NAMES,
  SERVER_VARIABLES,
  WORKER_SID_PATTERN,
} from './identity-check.js';
export { type PostWrapUpOptions, type PostWrapUpResult, postWrapUp } from './post.js';
export {
  readSaveAnswer,
  readSaveRequest,
  SAVE_ACTIONS,
  SAVE_ANSWER_HTTP_STATUS,
  type SaveAction,
  type SaveAnswer,
  type SaveAnswerIssue,
  type SaveAnswerStatus,
  type SaveAttemptOutcome,
  type SaveFailureReason,
  type SaveRequest,
  type SaveRequestResult,
  saveAnswer,
  saveAnswerSchema,
  TASK_SID_PATTERN,
} from './protocol.js';
export {
  type SafetyNetRefusal,
  type SafetyNetSave,
  type SafetyNetSelection,
  selectWrapUpsToSave,
} from './safety-net.js';
export {
  readWrapUp,
  sameWrapUp,
  savedWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
  type WrapUp,
  type WrapUpState,
  wrapUpSchema,
} from './schema.js';
export {
  createWrapUpSession,
  type WrapUpNotice,
  type WrapUpPostRequest,
  type WrapUpSaveEvent,
  type WrapUpSession,
  type WrapUpSessionOptions,
  type WrapUpSessionTask,
} from './session.js';
export {
  toSlug,
  validateWrapUp,
  variablesFromRows,
  WRAP_UP_ISSUE_CODES,
  WRAP_UP_LIMITS,
  type WrapUpFields,
  type WrapUpIssue,
  type WrapUpIssueCode,
  type WrapUpRules,
  type WrapUpValidation,
} from './validate.js';

/**
 * @stickycalls/flex-react: the caller context screen pop and the wrap-up capture for
 * Twilio Flex agents, and `registerCallerContext(flex, manager, options)` that wires
 * both into Flex and saves each wrap-up. React is a peer; nothing here imports
 * `@twilio/flex-ui` at run time.
 */

// The drafts and their store are the core's; here for those who place the form themselves.
export {
  createWrapUpStore,
  EMPTY_DRAFT,
  NEW_INTENT,
  type WrapUpDraft,
  type WrapUpEntry,
  type WrapUpIssue,
  type WrapUpPhase,
  type WrapUpStatus,
  type WrapUpStore,
} from '@stickycalls/core';
export { CallerContextPanel, type CallerContextPanelProps } from './CallerContextPanel.js';
export {
  type CallerContextOptions,
  type CallerContextView,
  callerContextView,
  formatPhoneNumber,
  humanize,
  type IntentRow,
  type LastContact,
  type Suggestion,
  type VariableRow,
} from './caller-view.js';
export type {
  ContentOptions,
  DynamicContentStore,
  FlexActions,
  FlexLike,
  FlexNotification,
  FlexNotifications,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
  TaskContextProps,
} from './flex-types.js';
export type {
  PanelPlacement,
  RegisterCallerContextOptions,
  SaveEvent,
  WrapUpOptions,
} from './register-options.js';
export { registerCallerContext } from './registerCallerContext.js';
export { checkSaveContextUrl, SAVE_URL_NOTIFICATION_ID } from './save-url.js';
export {
  DEFAULT_STRINGS,
  fillTemplate,
  resolveStrings,
  type StickyCallsStringKey,
  type StickyCallsStrings,
  StickyCallsStringsProvider,
  type StickyCallsStringsProviderProps,
} from './strings.js';
export { type FlexThemeLike, StickyCallsTheme, type StickyCallsThemeProps } from './theme.js';
export { useCallerContext } from './useCallerContext.js';
export { WrapUpCapture, type WrapUpCaptureProps } from './WrapUpCapture.js';
export { isStickyCall, NOTIFICATION_IDS } from './wrap-up-binding.js';

/**
 * Every string the agent sees, keyed the way Flex keys its own (`manager.strings`):
 * PascalCase names with a `StickyCalls` prefix, `{{placeholders}}` filled at render.
 * `registerCallerContext` adds these defaults to `manager.strings` where a key is not
 * set yet, and the components read them back at render, so an admin can override any
 * of them there (or per component with the `strings` prop).
 */
import { createContext, createElement, type ReactElement, type ReactNode, useContext, useMemo } from 'react';

/** The default strings, in English. */
export const DEFAULT_STRINGS = {
  StickyCallsPanelTitle: 'Caller context',
  StickyCallsTierReuse: 'Known caller',
  StickyCallsTierConfirm: 'Verify identity',
  StickyCallsTierIgnore: 'New caller',
  StickyCallsConfidence: '{{percent}}% match',
  StickyCallsVerifyPrompt:
    'This match is not certain. Ask who is calling (name, postcode or account number) and check it against your records.',
  StickyCallsNewCallerHint: 'No reliable match: treat this as a first call.',
  StickyCallsCallerNumber: 'Number',
  StickyCallsCustomerRef: 'Customer ref',
  StickyCallsCallStarted: 'Call started',
  StickyCallsLastContact: 'Last contact',
  StickyCallsLastContactDay: 'within the last day',
  StickyCallsLastContactWeek: 'within the last week',
  StickyCallsLastContactMonth: 'within the last month',
  StickyCallsNumberWithheld: 'Withheld',
  StickyCallsNumberUnknown: 'Unknown',
  StickyCallsUnnamed: '(no name)',
  StickyCallsVariablesTitle: 'What we know',
  StickyCallsNoVariables: 'Nothing stored yet.',
  StickyCallsIntentsTitle: 'Open intents',
  StickyCallsNoIntents: 'No open intents.',
  StickyCallsRepeatAttempt: 'Repeat contact',
  StickyCallsSuggestionTitle: 'Suggested next step',
  StickyCallsSuggestVerify: 'Verify the caller’s identity first.',
  StickyCallsSuggestVerifyThen: 'Verify the caller’s identity, then pick up “{{intent}}”.',
  StickyCallsSuggestFollowUp: 'Pick up “{{intent}}” first: {{calls}}.',
  StickyCallsSuggestAskOpen: 'Ask whether “{{intent}}” is still open.',
  StickyCallsSuggestWelcomeBack: 'Welcome the caller back and ask how you can help.',
  StickyCallsSuggestNewCaller: 'Greet as a new caller and ask how you can help.',
  StickyCallsTruncated:
    'Some context was left out to fit the task ({{variables}} variables, {{intents}} intents not shown).',
  StickyCallsAbsent: 'No caller context on this task.',
  StickyCallsUnavailable: 'Caller context unavailable',
  StickyCallsUnavailableReason: 'The lookup at call start did not complete: {{reason}}.',
  StickyCallsUnavailableHint: 'Ask the caller as you would on a first call.',
  StickyCallsInvalid: 'The caller context on this task could not be read.',
  StickyCallsReason_timeout: 'it timed out',
  StickyCallsReason_network_error: 'the Sticky Calls API could not be reached',
  StickyCallsReason_rate_limited: 'too many lookups at once',
  StickyCallsReason_quota_exceeded: 'the monthly quota is used up',
  StickyCallsReason_unauthorized: 'the API key was refused',
  StickyCallsReason_not_configured: 'the integration is not configured',
  StickyCallsReason_no_identity_hints: 'the caller’s number was withheld',
  StickyCallsReason_too_large: 'the context was too large for the task',
  StickyCallsReason_other: 'something unexpected went wrong',
  StickyCallsReason_invalid_request: 'the call’s details were incomplete, so no lookup was sent',
  StickyCallsReason_bad_request: 'the Sticky Calls API refused the call’s details',
  StickyCallsReason_conflict: 'this call had already been looked up',
  StickyCallsReason_server_error: 'the Sticky Calls service had a problem',
  StickyCallsReason_api_error: 'the Sticky Calls API answered with an error',
  StickyCallsReason_aborted: 'it was cancelled',
  StickyCallsReason_invalid_response: 'the Sticky Calls API sent an answer that could not be read',
  StickyCallsTierReuseLikely: 'Likely known caller',
  StickyCallsTierVerified: 'Verified caller',
  StickyCallsCallCount_one: '{{count}}st call about this',
  StickyCallsCallCount_two: '{{count}}nd call about this',
  StickyCallsCallCount_few: '{{count}}rd call about this',
  StickyCallsCallCount_other: '{{count}}th call about this',
  StickyCallsLastContactToday: 'today, {{time}}',
  StickyCallsLastContactYesterday: 'yesterday, {{time}}',
  StickyCallsIdentityVerifiedBefore: 'Identity verified',
  StickyCallsCopyRef: 'Copy ref',
  StickyCallsCopied: 'Copied',
  StickyCallsCopySelected: 'Selected: press Ctrl+C (⌘C on a Mac) to copy',
  StickyCallsVerifyYes: 'Caller verified',
  StickyCallsVerifyNo: 'Not this caller',
  StickyCallsVerifyHidden: 'What we know about this customer stays hidden until you choose.',
  StickyCallsVerifiedBy: 'Verified by you at {{time}}.',
  StickyCallsRejected: 'Not this caller: this call’s wrap-up will not be saved to that customer’s memory.',
  StickyCallsUndo: 'Undo',
  StickyCallsWrapUpTitle: 'Wrap-up',
  StickyCallsWrapUpIntent: 'What was the call about?',
  StickyCallsWrapUpNewIntent: 'Something else',
  StickyCallsWrapUpNewIntentLabel: 'In a few words',
  StickyCallsWrapUpStatus: 'Status',
  StickyCallsStatus_open: 'Still open',
  StickyCallsStatus_resolved: 'Resolved',
  StickyCallsStatus_abandoned: 'Abandoned',
  StickyCallsWrapUpSummary: 'Summary note',
  StickyCallsWrapUpDisposition: 'Disposition',
  StickyCallsWrapUpDispositionNone: 'Choose…',
  StickyCallsWrapUpVariables: 'Extra details to remember',
  StickyCallsWrapUpVariableName: 'Name',
  StickyCallsWrapUpVariableValue: 'Value',
  StickyCallsWrapUpAddVariable: 'Add a detail',
  StickyCallsWrapUpRemoveVariable: 'Remove detail {{index}}',
  StickyCallsWrapUpErrors: 'Fix these before completing the task:',
  StickyCallsWrapUpStoring: 'Storing on the task…',
  StickyCallsWrapUpStoredPending: 'Stored on the task: it is saved when the task completes.',
  StickyCallsWrapUpSaving: 'Saving…',
  StickyCallsWrapUpSaved: 'Saved to the caller’s memory.',
  StickyCallsWrapUpStored: 'Kept on the task only: not saved to any caller’s memory.',
  StickyCallsWrapUpSaveFailed: 'Not saved yet: it is stored on the task and will be retried.',
  StickyCallsWrapUpUnstored:
    'Not saved, and kept only in this browser: use Retry in the notification to save it.',
  StickyCallsErrorNoCall: 'This task has no call (call_sid), so its wrap-up cannot be saved.',
  StickyCallsErrorIntentRequired: 'Choose or type what the call was about.',
  StickyCallsErrorIntentFormat:
    'Say what the call was about in a few words, with letters or digits (at most {{limit}} characters).',
  StickyCallsErrorStatusRequired: 'Choose whether it is still open, resolved or abandoned.',
  StickyCallsErrorStatusFormat: 'Choose Still open, Resolved or Abandoned.',
  StickyCallsErrorVariableName:
    'Detail {{index}} needs a name of a few words, with letters or digits (at most {{limit}} characters).',
  StickyCallsErrorVariablesFormat: 'The extra details could not be read.',
  StickyCallsErrorOther: 'The save Function refused the wrap-up: {{message}}',
  StickyCallsErrorVariableDuplicate: 'Detail {{index}} repeats the name “{{name}}”.',
  StickyCallsErrorVariableValue: 'Detail {{index}} needs a value.',
  StickyCallsErrorTooLong: 'The wrap-up is {{count}} characters too long for the task: shorten the note.',
  StickyCallsErrorVariableTooLong:
    'Detail {{index}} is {{count}} characters over the limit: shorten its value.',
  StickyCallsErrorSummaryTooLong:
    'The summary note is {{count}} characters over the limit: shorten the note.',
  StickyCallsErrorTooManyVariables: 'Too many details: keep at most {{limit}}.',
  StickyCallsNotifyInvalid:
    'Finish the wrap-up of the {{task}} before completing it: the form lists what is missing.',
  StickyCallsNotifySaveFailed:
    'The wrap-up for this call was not saved ({{reason}}). It is kept on the task and will be saved later; you can retry now.',
  StickyCallsNotifySaveFailedUnstored:
    'The wrap-up for this call was not saved ({{reason}}) and is kept only in this browser: retry now to save it.',
  StickyCallsNotifyNotStored:
    'The wrap-up could not be stored on the task ({{reason}}). The task stays open: try completing it again.',
  StickyCallsNotifyTaskGone:
    'The wrap-up of the {{task}} cannot be saved: Twilio removed the completed task before the save. If it was stored on the task, the server-side safety net saved it.',
  StickyCallsNotifyIncomplete:
    'The {{task}} was completed before its wrap-up was complete, so the wrap-up was not saved.',
  StickyCallsNotifySaved: 'The wrap-up of the {{task}} was saved to the caller’s memory.',
  StickyCallsNotifyAlreadySaved:
    'This call’s wrap-up had already been saved from another task (a transfer): Sticky Calls kept that one. Yours stays on the task.',
  StickyCallsSaveReason_timeout: 'no answer in time',
  StickyCallsSaveReason_network_error: 'the save Function could not be reached',
  StickyCallsSaveReason_forbidden: 'your Flex session was refused',
  StickyCallsSaveReason_invalid: 'the save Function refused the wrap-up',
  StickyCallsSaveReason_not_configured: 'the save Function is not configured',
  StickyCallsSaveReason_unexpected_answer: 'the save URL did not answer like the save Function',
  StickyCallsSaveReason_failed: 'the save failed',
  StickyCallsSaveReason_not_completed: 'the task has not completed',
  StickyCallsSaveReason_task_gone: 'Twilio no longer has the task',
  StickyCallsRetry: 'Retry',
  StickyCallsWrapUpOtherIntentLabel: 'Something else, in a few words',
  StickyCallsWrapUpSavedAs: 'Saved as {{name}}',
  StickyCallsWrapUpCharactersLeft: '{{count}} characters left',
  StickyCallsWrapUpCharactersLeft_one: '1 character left',
  StickyCallsWrapUpNoteOver: '{{count}} characters over the limit: shorten the note',
  StickyCallsWrapUpNoteOver_one: '1 character over the limit: shorten the note',
  StickyCallsWrapUpValueOver: '{{count}} characters over the limit: shorten the value',
  StickyCallsWrapUpValueOver_one: '1 character over the limit: shorten the value',
  StickyCallsWrapUpSavesToMemory:
    'When you complete the task, this wrap-up is saved to the caller’s memory for their next call.',
  StickyCallsWrapUpSavesToMatched:
    'When you complete the task, this wrap-up is saved to this customer’s memory, unless you choose “{{reject}}”.',
  StickyCallsWrapUpKeptWithheld:
    'The caller’s number was withheld, so this wrap-up stays on this task only: it is not saved to any caller’s memory.',
  StickyCallsWrapUpKeptUnknown:
    'Sticky Calls could not tell who is calling, so this wrap-up stays on this task only: it is not saved to any caller’s memory.',
  StickyCallsWrapUpKeptRejected:
    'You chose “{{reject}}”, so this wrap-up stays on this task only: it is not saved to that customer’s memory.',
  StickyCallsErrorVariableNameServer:
    'Detail {{index}}: Sticky Calls records “{{name}}” itself. Choose another name.',
  StickyCallsNotifyKept:
    'The wrap-up of the {{task}} was kept on the task only: it was not saved to any caller’s memory.',
  StickyCallsNotifySaveUrlInvalid:
    'Wrap-ups are not saved: the Sticky Calls plugin was built with a save URL it cannot use. Ask your Flex admin to fix it (the browser console says what is wrong) and deploy the plugin again.',
} as const;

/** The keys of every user-visible string. */
export type StickyCallsStringKey = keyof typeof DEFAULT_STRINGS;

/** Every user-visible string; pass a part of it to override. */
export type StickyCallsStrings = { readonly [K in StickyCallsStringKey]: string };

/**
 * Fills `{{name}}` placeholders. Values are text: the components render the result
 * as a text node, never as HTML.
 */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string | number>> = {},
): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name: string) => {
    const value = values[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : match;
  });
}

/** The defaults, overridden by any string-valued key of `overrides` that is one of ours. */
export function resolveStrings(...overrides: readonly (object | null | undefined)[]): StickyCallsStrings {
  const result: Record<string, string> = { ...DEFAULT_STRINGS };
  for (const source of overrides) {
    if (source === null || source === undefined) continue;
    for (const key of Object.keys(DEFAULT_STRINGS)) {
      const value = (source as Record<string, unknown>)[key];
      if (typeof value === 'string') result[key] = value;
    }
  }
  return result as StickyCallsStrings;
}

const StringsContext = createContext<Partial<StickyCallsStrings> | undefined>(undefined);

/** Props of {@link StickyCallsStringsProvider}. */
export interface StickyCallsStringsProviderProps {
  /** Overrides for every Sticky Calls component below; a component's own `strings` prop wins. */
  strings: Partial<StickyCallsStrings>;
  children?: ReactNode;
}

/**
 * Supplies string overrides to every Sticky Calls component below it.
 *
 * @example
 * <StickyCallsStringsProvider strings={{ StickyCallsTierReuse: 'Cliente conocido' }}>…</StickyCallsStringsProvider>
 */
export function StickyCallsStringsProvider({
  strings,
  children,
}: StickyCallsStringsProviderProps): ReactElement {
  return createElement(StringsContext.Provider, { value: strings }, children);
}

/** The strings for a component: defaults, then the provider's, then its own `strings` prop. */
export function useStrings(own?: Partial<StickyCallsStrings>): StickyCallsStrings {
  const provided = useContext(StringsContext);
  return useMemo(() => resolveStrings(provided, own), [provided, own]);
}

/**
 * The agent's wrap-up while they type it, its validation, and the store that keeps it
 * across re-renders (Flex unmounts a task's canvas when the agent switches tasks).
 * The checked result is the core's `WrapUp`, so the task attribute, the save Function
 * and the TaskRouter safety net all read one shape.
 */
import {
  endCallParamsSchema,
  readCallerContext,
  TASK_ATTRIBUTES_LIMIT,
  taskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
  type WrapUp,
  wrapUpSchema,
  wrapUpToEndCall,
} from '@stickycalls/core';
import type { FlexTask } from './flex-types.js';
import { fillTemplate, type StickyCallsStrings } from './strings.js';

/** The intent statuses the agent can pick. */
export const WRAP_UP_STATUSES = ['open', 'resolved', 'abandoned'] as const;

/** An intent status the agent can pick, or `''` before they do. */
export type WrapUpStatus = (typeof WRAP_UP_STATUSES)[number] | '';

/** The choice of `intentChoice` that means "type a new intent". */
export const NEW_INTENT = '\u0000new';

/** The wrap-up form's values. */
export interface WrapUpDraft {
  /** An open intent's slug, {@link NEW_INTENT}, or `''` for none. */
  readonly intentChoice: string;
  /** What the agent typed when `intentChoice` is {@link NEW_INTENT}; made a slug when saved. */
  readonly customIntent: string;
  readonly status: WrapUpStatus;
  readonly summary: string;
  readonly disposition: string;
  readonly variables: readonly { readonly name: string; readonly value: string }[];
}

/** An empty draft. */
export const EMPTY_DRAFT: WrapUpDraft = {
  intentChoice: '',
  customIntent: '',
  status: '',
  summary: '',
  disposition: '',
  variables: [],
};

/** A problem with a draft: the field (`intent`, `status`, `summary`, `variables.0`) and what to fix. */
export interface WrapUpIssue {
  readonly field: string;
  readonly message: string;
}

/** Options of {@link checkWrapUp}. */
export interface WrapUpRules {
  /** Whether completing needs an intent. @default true */
  requireIntent?: boolean;
}

/** A checked wrap-up: what goes on the task, and the body for the save Function. */
export type CheckedWrapUp =
  | { readonly ok: true; readonly wrapUp: WrapUp; readonly endCall: Readonly<Record<string, unknown>> | null }
  | { readonly ok: false; readonly issues: readonly WrapUpIssue[] };

const SLUG = /^[\p{L}\p{N}_.-]{1,64}$/u;
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const RESERVED_VARIABLES = ['summary', 'disposition'];

/** `Billing question` → `billing_question`, `返金 申請` → `返金_申請`: what a typed intent is saved as. */
export function toSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_.-]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** The call a task is about (`call_sid`, set by Flex on voice tasks), or `undefined`. */
export function callIdOf(task: FlexTask | null | undefined): string | undefined {
  const attributes = attributesOf(task);
  const callSid = attributes?.call_sid;
  return typeof callSid === 'string' && callSid !== '' ? callSid : undefined;
}

/** A task's attributes as an object (Flex gives an object; some sources give JSON). */
export function attributesOf(task: FlexTask | null | undefined): Record<string, unknown> | undefined {
  return taskAttributes(task?.attributes);
}

/**
 * Checks a draft against the task it belongs to. Returns the wrap-up to store on the
 * task (with `saved: false`) and the `calls.end` body, or the issues in the agent's
 * words. `endCall` is `null` when the API could not take it (no customer and no phone
 * number to name the caller by): the wrap-up is still stored on the task.
 */
export function checkWrapUp(
  task: FlexTask,
  draft: WrapUpDraft,
  strings: StickyCallsStrings,
  rules: WrapUpRules = {},
): CheckedWrapUp {
  const issues: WrapUpIssue[] = [];
  const attributes = attributesOf(task) ?? {};
  const callId = callIdOf(task);
  const typed = draft.intentChoice === NEW_INTENT;
  // The caller's own open intents are taken as the API gave them; only typed ones are made slugs.
  const intent = typed ? toSlug(draft.customIntent) : draft.intentChoice.trim();
  if (typed && draft.customIntent.trim() !== '' && !SLUG.test(intent)) {
    // Typed text that makes no slug (only punctuation) is a format problem, not a missing intent.
    issues.push({ field: 'intent', message: strings.StickyCallsErrorIntentFormat });
  } else if (intent === '') {
    if (rules.requireIntent !== false) {
      issues.push({ field: 'intent', message: strings.StickyCallsErrorIntentRequired });
    }
  }
  if (intent !== '' && draft.status === '') {
    issues.push({ field: 'status', message: strings.StickyCallsErrorStatusRequired });
  }

  const variables: Record<string, string> = {};
  if (draft.summary.trim() !== '') variables.summary = draft.summary.trim();
  if (draft.disposition.trim() !== '') variables.disposition = draft.disposition.trim();
  const seen = new Set(RESERVED_VARIABLES);
  draft.variables.forEach((row, index) => {
    const name = row.name.trim();
    const value = row.value.trim();
    if (name === '' && value === '') return;
    const field = `variables.${index}`;
    const number = index + 1;
    if (!VARIABLE_NAME.test(name)) {
      issues.push({ field, message: fillTemplate(strings.StickyCallsErrorVariableName, { index: number }) });
    } else if (seen.has(name)) {
      issues.push({
        field,
        message: fillTemplate(strings.StickyCallsErrorVariableDuplicate, { index: number, name }),
      });
    } else if (value === '') {
      issues.push({ field, message: fillTemplate(strings.StickyCallsErrorVariableValue, { index: number }) });
    } else {
      variables[name] = value;
    }
    seen.add(name);
  });
  if (callId === undefined) issues.push({ field: 'call_id', message: strings.StickyCallsErrorNoCall });
  if (issues.length > 0 || callId === undefined) return { ok: false, issues };

  const caller = readCallerContext(attributes);
  const wrapUp = wrapUpSchema.parse(
    strip({
      call_id: callId,
      customer_ref: caller.state === 'ready' ? caller.context.customer_ref : undefined,
      intent: intent === '' ? undefined : intent,
      intent_status: intent === '' || draft.status === '' ? undefined : draft.status,
      variables: Object.keys(variables).length > 0 ? variables : undefined,
      saved: false,
    }),
  );

  // Measured as first written (`saved: false`, the longer of the two).
  const size = JSON.stringify({ ...attributes, [WRAP_UP_ATTRIBUTE_KEY]: { ...wrapUp, saved: false } }).length;
  if (size > TASK_ATTRIBUTES_LIMIT) {
    const count = size - TASK_ATTRIBUTES_LIMIT;
    return {
      ok: false,
      issues: [{ field: 'summary', message: fillTemplate(strings.StickyCallsErrorTooLong, { count }) }],
    };
  }
  const endCall = endCallParamsSchema.safeParse(wrapUpToEndCall(wrapUp, { from: attributes.from }));
  return { ok: true, wrapUp, endCall: endCall.success ? endCall.data : null };
}

function strip<T extends Record<string, unknown>>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (value[key] !== undefined) result[key] = value[key];
  return result as T;
}

/**
 * Where a task's wrap-up is: being typed, being saved, saved, stored on the task only
 * (nothing names the caller), stored but not saved yet (the safety net will), or
 * neither saved nor stored (only Retry can keep it).
 */
export type WrapUpPhase = 'editing' | 'saving' | 'saved' | 'stored' | 'failed' | 'unstored';

/** A task's wrap-up in the store. */
export interface WrapUpEntry {
  readonly draft: WrapUpDraft;
  readonly issues: readonly WrapUpIssue[];
  readonly phase: WrapUpPhase;
  /** How many completions were refused for these issues; each one takes the focus to them. */
  readonly refusals: number;
}

/** Keeps each task's wrap-up draft, issues and phase; components subscribe to it. */
export interface WrapUpStore {
  get(taskSid: string): WrapUpEntry;
  /** Changes the draft; clears the issues of the fields it changes. */
  edit(taskSid: string, change: Partial<WrapUpDraft>): void;
  set(taskSid: string, change: Partial<Omit<WrapUpEntry, 'draft'>>): void;
  delete(taskSid: string): void;
  subscribe(listener: () => void): () => void;
}

const INITIAL: WrapUpEntry = { draft: EMPTY_DRAFT, issues: [], phase: 'editing', refusals: 0 };

/**
 * A store for wrap-up drafts. `registerCallerContext` makes one; make your own when
 * you place `WrapUpCapture` yourself.
 *
 * @example
 * const store = createWrapUpStore();
 * <WrapUpCapture task={task} store={store} />
 */
export function createWrapUpStore(): WrapUpStore {
  const entries = new Map<string, WrapUpEntry>();
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    get: (taskSid) => entries.get(taskSid) ?? INITIAL,
    edit(taskSid, change) {
      const entry = entries.get(taskSid) ?? INITIAL;
      const touched = Object.keys(change).map((key) =>
        key === 'intentChoice' || key === 'customIntent' ? 'intent' : key,
      );
      const issues = entry.issues.filter(
        (issue) => !touched.some((field) => issue.field === field || issue.field.startsWith(`${field}.`)),
      );
      entries.set(taskSid, { ...entry, draft: { ...entry.draft, ...change }, issues });
      notify();
    },
    set(taskSid, change) {
      entries.set(taskSid, { ...(entries.get(taskSid) ?? INITIAL), ...change });
      notify();
    },
    delete(taskSid) {
      if (entries.delete(taskSid)) notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * The agent's wrap-up while they type it, its check against the task, and the store that
 * keeps it: across re-renders, and (given a `Storage` such as `localStorage`) across a
 * reload or a closed tab. Framework-free: a React form, another agent desktop and the
 * wrap-up session all read and write the same store.
 */
import { taskAttributes } from '../attributes/reader.js';
import { normalizeValue } from '../contract.js';
import { isRecord } from '../objects.js';
import { bindToTask, withWrapUp, wrapUpFor } from './binding.js';
import { type IdentityCheck, readIdentityCheck } from './identity-check.js';
import type { SaveFailureReason } from './protocol.js';
import {
  toSlug,
  validateWrapUp,
  variablesFromRows,
  WRAP_UP_LIMITS,
  type WrapUpFields,
  type WrapUpIssue,
  type WrapUpRules,
} from './validate.js';

/** The intent statuses an agent can pick. */
export const WRAP_UP_STATUSES = ['open', 'resolved', 'abandoned'] as const;

/** An intent status the agent can pick, or `''` before they do. */
export type WrapUpStatus = (typeof WRAP_UP_STATUSES)[number] | '';

/** The choice of `intentChoice` that means "type a new intent". */
export const NEW_INTENT = '\u0000new';

/** The wrap-up form's values. */
export interface WrapUpDraft {
  /** An open intent's name, {@link NEW_INTENT}, or `''` for none. */
  readonly intentChoice: string;
  /** What the agent typed when `intentChoice` is {@link NEW_INTENT}; made a slug when saved. */
  readonly customIntent: string;
  readonly status: WrapUpStatus;
  readonly summary: string;
  readonly disposition: string;
  readonly variables: readonly { readonly name: string; readonly value: string }[];
  /**
   * What the agent decided about the caller's identity when the match was not sure
   * (the `confirm` tier), or `null` before they decide. `rejected` keeps the wrap-up out
   * of the matched customer's memory.
   */
  readonly identityCheck: IdentityCheck | null;
}

/** An empty draft. */
export const EMPTY_DRAFT: WrapUpDraft = {
  intentChoice: '',
  customIntent: '',
  status: '',
  summary: '',
  disposition: '',
  variables: [],
  identityCheck: null,
};

/** The outcome of {@link checkDraft}. */
export type DraftCheck =
  | { readonly ok: true; readonly fields: WrapUpFields }
  | { readonly ok: false; readonly issues: readonly WrapUpIssue[] };

/** Rules of {@link checkDraft}: the validator's, and the form's limit on the note. */
export interface DraftRules extends WrapUpRules {
  /**
   * Longest summary note, in characters as saved (see {@link savedLength}): the form's
   * `maxSummaryLength`. A value that is not a whole number from 1 to the core's limit on a
   * value is that limit. @default WRAP_UP_LIMITS.variableValueLength
   */
  maxSummaryLength?: number;
}

/**
 * How many characters a value counts once saved: line breaks as one, control and
 * bidirectional formatting characters left out, trimmed. The limits (`WRAP_UP_LIMITS`,
 * `maxSummaryLength`) count this, so a form's "characters left" agrees with the check.
 *
 * @example
 * savedLength('  Refund issued\r\n') // 13
 */
export function savedLength(text: string): number {
  return normalizeValue(text).trim().length;
}

/** `maxSummaryLength` as a limit: a whole number from 1 to the core's limit on a value, else that limit. */
function summaryLimit(value: number | undefined): number {
  const most = WRAP_UP_LIMITS.variableValueLength;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= most ? value : most;
}

/**
 * Checks a draft with the one validator (`validateWrapUp`) and, given the task's
 * attributes, against the task: it must be a Sticky Calls call, and the wrap-up must fit
 * in its attributes. Without attributes (the task is gone) only the fields are checked.
 * Typed intents and detail names become slugs (`New postcode` → `new_postcode`); the note
 * and disposition become the `summary` and `disposition` variables; the agent's identity
 * check becomes `identity_check`.
 */
export function checkDraft(draft: WrapUpDraft, attributes: unknown, rules: DraftRules = {}): DraftCheck {
  const typed = draft.intentChoice === NEW_INTENT;
  // The caller's own open intents are taken as the API gave them; only typed ones are made slugs.
  const intent = typed ? toSlug(draft.customIntent) : draft.intentChoice.trim();
  const issues: WrapUpIssue[] = [];
  if (typed && draft.customIntent.trim() !== '' && intent === '') {
    // Typed text that makes no slug (only punctuation) is a format problem, not a missing intent.
    issues.push({ code: 'intent_format', path: ['intent'], message: 'the intent has no letters or digits' });
  }
  // Detail names are typed words too: each becomes its slug. A name that makes none (only
  // punctuation) is named by its row, and its row is left out so the others keep their index.
  const unnamed: WrapUpIssue[] = [];
  const slugged = draft.variables.map((row, index) => {
    const name = toSlug(row.name);
    if (name !== '' || row.name.trim() === '') return { name, value: row.value };
    unnamed.push({
      code: 'variable_name',
      path: ['variables', index],
      name: '',
      message: 'a detail name needs letters or digits',
    });
    return { name: '', value: '' };
  });
  const rows = variablesFromRows(slugged, ['summary', 'disposition']);
  issues.push(...unnamed, ...rows.issues);
  const variables: Record<string, string> = { ...rows.variables };
  if (draft.summary.trim() !== '') variables.summary = draft.summary;
  if (draft.disposition.trim() !== '') variables.disposition = draft.disposition;
  const checked = validateWrapUp(
    {
      intent: intent === '' ? undefined : intent,
      intent_status: intent === '' || draft.status === '' ? undefined : draft.status,
      variables,
      identity_check: draft.identityCheck ?? undefined,
    },
    issues.some((issue) => issue.code === 'intent_format') ? { ...rules, requireIntent: false } : rules,
  );
  if (!checked.ok) {
    // The rows and the validator both count details: "too many" is said once.
    const counted = issues.some((issue) => issue.code === 'too_many_variables');
    issues.push(...checked.issues.filter((issue) => !(counted && issue.code === 'too_many_variables')));
  }
  // The note is held to the form's limit: one issue for it, with this limit's count.
  const limit = summaryLimit(rules.maxSummaryLength);
  const over = draft.summary.trim() === '' ? 0 : savedLength(draft.summary) - limit;
  if (over > 0) {
    const core = issues.findIndex(
      (issue) => issue.code === 'variable_too_long' && fieldOf(issue) === 'summary',
    );
    if (core >= 0) issues.splice(core, 1);
    issues.push({
      code: 'variable_too_long',
      path: ['variables', 'summary'],
      name: 'summary',
      count: over,
      message: `the summary note is ${over} characters over the limit of ${limit}`,
    });
  }
  if (attributes !== undefined) {
    const bound = bindToTask(attributes);
    if (!bound.ok) {
      issues.push({ code: 'no_call', path: ['call_id'], message: bound.message });
    } else if (checked.ok && issues.length === 0) {
      const merged = withWrapUp(taskAttributes(attributes), wrapUpFor(bound.call, checked.fields, false));
      if (!merged.ok) issues.push(merged.issue);
    }
  }
  if (issues.length > 0 || !checked.ok) return { ok: false, issues: issues.sort(byFormOrder) };
  return { ok: true, fields: checked.fields };
}

/** Issues in the order of the form's fields, so a list of them reads top to bottom. */
function byFormOrder(a: WrapUpIssue, b: WrapUpIssue): number {
  const rank = (issue: WrapUpIssue) => {
    const [head, detail] = issue.path;
    if (
      head === 'variables' &&
      (detail === 'summary' || detail === 'disposition' || issue.code === 'too_long')
    )
      return FORM_ORDER.indexOf(issue.code === 'too_long' ? 'summary' : String(detail)) * 1000;
    return FORM_ORDER.indexOf(String(head)) * 1000 + (typeof detail === 'number' ? detail : 0);
  };
  return rank(a) - rank(b);
}

const FORM_ORDER = [
  'identity_check',
  'intent',
  'intent_status',
  'summary',
  'disposition',
  'variables',
  'call_id',
];

/**
 * Where a task's wrap-up is: being typed; being stored on the task; stored (saved when
 * the task completes; still editable); kept only in this browser (the task completed
 * while the Function could not be reached); being saved; saved; kept on the task only
 * (nothing names the caller); or not saved, waiting for a Retry.
 */
export type WrapUpPhase = 'editing' | 'storing' | 'stored' | 'local' | 'saving' | 'saved' | 'kept' | 'failed';

/** A task's wrap-up in the store. */
export interface WrapUpEntry {
  readonly draft: WrapUpDraft;
  /** What the last check found, by code: the UI words them. */
  readonly issues: readonly WrapUpIssue[];
  readonly phase: WrapUpPhase;
  /** How many completions were refused for these issues; each one takes the focus to them. */
  readonly refusals: number;
  /** The checked fields, once stored: what is saved when the task completes. */
  readonly fields?: WrapUpFields;
  /** Why the last store or save failed. */
  readonly reason?: SaveFailureReason;
  /** How many times in a row storing it on the task failed. */
  readonly storeFailures: number;
}

/** Where drafts outlive the page: `localStorage` fits. */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

/** Options of {@link createWrapUpStore}. */
export interface WrapUpStoreOptions {
  /** Where drafts are kept across reloads; nothing is kept without it. @default none */
  storage?: DraftStorage | null;
  /** How long a kept draft is worth keeping, in milliseconds (they hold callers' notes). @default 43200000 (12 h) */
  maxAgeMs?: number;
}

/** Keeps each task's wrap-up draft, issues and phase; UIs subscribe to it. */
export interface WrapUpStore {
  get(taskSid: string): WrapUpEntry;
  /** Changes the draft; clears the issues of the fields it changes. */
  edit(taskSid: string, change: Partial<WrapUpDraft>): void;
  set(taskSid: string, change: Partial<Omit<WrapUpEntry, 'draft'>>): void;
  /** Forgets a task's wrap-up, here and in the storage. */
  delete(taskSid: string): void;
  /** The tasks with a wrap-up kept in the storage (after a reload, too). */
  kept(): string[];
  subscribe(listener: () => void): () => void;
}

const INITIAL: WrapUpEntry = {
  draft: EMPTY_DRAFT,
  issues: [],
  phase: 'editing',
  refusals: 0,
  storeFailures: 0,
};
const STORAGE_PREFIX = 'stickycalls.wrapup.';
const DEFAULT_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/**
 * A store for wrap-up drafts. `registerCallerContext` makes one with `localStorage`;
 * make your own when you place the form yourself.
 *
 * @example
 * const store = createWrapUpStore({ storage: window.localStorage });
 * store.edit(task.taskSid, { summary: 'Called about the invoice' });
 */
export function createWrapUpStore(options: WrapUpStoreOptions = {}): WrapUpStore {
  const storage = options.storage ?? null;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const entries = new Map<string, WrapUpEntry>();
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // A failing subscriber (a UI) must not change what happens to the wrap-up.
      }
    }
  };
  const load = (taskSid: string): WrapUpEntry => {
    const cached = entries.get(taskSid);
    if (cached !== undefined) return cached;
    const restored = restore(storage, taskSid, maxAgeMs);
    if (restored !== undefined) entries.set(taskSid, restored);
    return restored ?? INITIAL;
  };
  const save = (taskSid: string, entry: WrapUpEntry) => {
    entries.set(taskSid, entry);
    safely(() => storage?.setItem(STORAGE_PREFIX + taskSid, JSON.stringify(persisted(entry))));
    notify();
  };
  return {
    get: load,
    edit(taskSid, change) {
      const entry = load(taskSid);
      const touched = Object.keys(change).map((key) =>
        key === 'intentChoice' || key === 'customIntent'
          ? 'intent'
          : key === 'status'
            ? 'intent_status'
            : key,
      );
      // Rows are edited as one array: `variables` clears the issues of every row (`variables.<row>`).
      const issues = entry.issues.filter((issue) => {
        const field = fieldOf(issue);
        return !touched.some((key) => field === key || field.startsWith(`${key}.`));
      });
      // A stored (or kept-here) wrap-up edited again is a draft once more; `fields` stay what was checked.
      const phase = entry.phase === 'stored' || entry.phase === 'local' ? 'editing' : entry.phase;
      save(taskSid, { ...entry, phase, draft: { ...entry.draft, ...change }, issues });
    },
    set(taskSid, change) {
      save(taskSid, { ...load(taskSid), ...change });
    },
    delete(taskSid) {
      safely(() => storage?.removeItem(STORAGE_PREFIX + taskSid));
      if (entries.delete(taskSid)) notify();
    },
    kept() {
      const sids: string[] = [];
      safely(() => {
        for (let index = 0; index < (storage?.length ?? 0); index += 1) {
          const key = storage?.key(index);
          if (typeof key === 'string' && key.startsWith(STORAGE_PREFIX))
            sids.push(key.slice(STORAGE_PREFIX.length));
        }
      });
      return sids.filter((sid) => load(sid) !== INITIAL);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * The form field an issue belongs to: `identity_check`, `intent`, `intent_status`,
 * `summary`, `disposition`, `variables.<row>`, `call_id`. A variable issue from the
 * Function names the variable (the slug of the row's name); `rows` finds its row.
 */
export function fieldOf(issue: WrapUpIssue, rows: WrapUpDraft['variables'] = []): string {
  const [head, detail] = issue.path;
  if (issue.code === 'too_long') return 'summary';
  if (head !== 'variables') return String(head ?? '');
  if (typeof detail === 'number') return `variables.${detail}`;
  if (detail === 'summary' || detail === 'disposition') return detail;
  const row = rows.findIndex(
    (candidate) => candidate.name.trim() === detail || toSlug(candidate.name) === detail,
  );
  return row >= 0 ? `variables.${row}` : 'variables';
}

/** What is kept of an entry: never the issues' wording, only what a reload needs. */
function persisted(entry: WrapUpEntry): Record<string, unknown> {
  return {
    v: 1,
    at: Date.now(),
    draft: entry.draft,
    // A save under way when the page went away is picked up again as not saved; a store
    // under way, as the draft it was (the completion it served did not happen here).
    phase:
      entry.phase === 'saving'
        ? entry.fields
          ? 'failed'
          : 'editing'
        : entry.phase === 'storing'
          ? 'editing'
          : entry.phase,
    ...(entry.fields && entry.phase !== 'storing' ? { fields: entry.fields } : {}),
  };
}

function restore(storage: DraftStorage | null, taskSid: string, maxAgeMs: number): WrapUpEntry | undefined {
  const text = safely(() => storage?.getItem(STORAGE_PREFIX + taskSid)) ?? null;
  if (text === null) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    record = undefined;
  }
  const fresh = isRecord(record) && typeof record.at === 'number' && Date.now() - record.at <= maxAgeMs;
  if (!fresh || !isRecord(record) || record.v !== 1 || !isRecord(record.draft)) {
    safely(() => storage?.removeItem(STORAGE_PREFIX + taskSid));
    return undefined;
  }
  const draft = readDraft(record.draft);
  const phase = PHASES.includes(record.phase as WrapUpPhase) ? (record.phase as WrapUpPhase) : 'editing';
  const fields = isRecord(record.fields) ? validateWrapUp(record.fields) : undefined;
  return {
    ...INITIAL,
    draft,
    phase: fields?.ok ? phase : phase === 'saved' || phase === 'kept' ? phase : 'editing',
    ...(fields?.ok ? { fields: fields.fields } : {}),
  };
}

const PHASES: readonly WrapUpPhase[] = ['editing', 'stored', 'local', 'saved', 'kept', 'failed'];

function readDraft(value: Record<string, unknown>): WrapUpDraft {
  const text = (key: string) => (typeof value[key] === 'string' ? (value[key] as string) : '');
  const status = text('status');
  return {
    intentChoice: text('intentChoice'),
    customIntent: text('customIntent'),
    status: (WRAP_UP_STATUSES as readonly string[]).includes(status) ? (status as WrapUpStatus) : '',
    summary: text('summary'),
    disposition: text('disposition'),
    variables: Array.isArray(value.variables)
      ? value.variables.filter(isRecord).map((row) => ({
          name: typeof row.name === 'string' ? row.name : '',
          value: typeof row.value === 'string' ? row.value : '',
        }))
      : [],
    identityCheck: readIdentityCheck(value.identityCheck),
  };
}

function safely<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    // Storage can be full, disabled or blocked: drafts then live in memory only.
    return undefined;
  }
}

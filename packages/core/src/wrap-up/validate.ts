/**
 * The one validator of a wrap-up's fields. The agent's form turns its issue codes into
 * messages in the agent's language; the save Function answers them as its 400 body. Both
 * run this function, so what the form accepts the Function accepts, and the reverse.
 */
import { INTENT_STATUSES, normalizeIntentStatus } from '../contract.js';
import { isRecord } from '../objects.js';

/** Limits of a wrap-up's fields. */
export const WRAP_UP_LIMITS = {
  /** Longest intent, in characters. */
  intentLength: 128,
  /** Longest variable name, in characters. */
  variableNameLength: 64,
} as const;

/** What can be wrong with a wrap-up, as stable codes. */
export const WRAP_UP_ISSUE_CODES = [
  /** An intent is required (the form's `requireIntent`) and there is none. */
  'intent_required',
  /** The intent is not usable text (empty once trimmed, too long, control or bidi characters). */
  'intent_format',
  /** An intent without its status. */
  'status_required',
  /** A status that is not `open`, `resolved` or `abandoned` (`closed` is read as `resolved`). */
  'status_format',
  /** `variables` is not an object of name → value. */
  'variables_format',
  /** A variable name that is not letters, digits, `_`, `.` or `-` (1 to 64), or a reserved one. */
  'variable_name',
  /** The same variable name twice (the form's rows). */
  'variable_duplicate',
  /** A variable without a value, or a value that is not text, a number or true/false. */
  'variable_value',
  /** The wrap-up does not fit in the task's attributes. */
  'too_long',
  /** The task has no Sticky Calls call to save the wrap-up for. */
  'no_call',
  /** Anything else the save Function refused (its message says what). */
  'other',
] as const;

/** A wrap-up issue code. */
export type WrapUpIssueCode = (typeof WRAP_UP_ISSUE_CODES)[number];

/** One problem with a wrap-up: its code, where it is, and an English message. */
export interface WrapUpIssue {
  readonly code: WrapUpIssueCode;
  /** `['intent']`, `['intent_status']`, `['variables', 'order-id']`, … */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** The variable's name, for variable issues. */
  readonly name?: string;
  /** Characters over the limit, for `too_long`. */
  readonly count?: number;
}

/** A wrap-up's fields once checked: what `calls.end` takes besides the call and the customer. */
export interface WrapUpFields {
  readonly intent?: string;
  readonly intent_status?: string;
  /** Name → value; `summary` and `disposition` are the agent's note and disposition. */
  readonly variables?: Readonly<Record<string, string>>;
}

/** Rules of {@link validateWrapUp}. */
export interface WrapUpRules {
  /** Whether an intent is required. @default false (the form requires one unless told otherwise) */
  requireIntent?: boolean;
}

/** The outcome of {@link validateWrapUp}. */
export type WrapUpValidation =
  | { readonly ok: true; readonly fields: WrapUpFields }
  | { readonly ok: false; readonly issues: readonly WrapUpIssue[] };

const VARIABLE_NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;
/** Control characters, line and paragraph separators, and bidirectional overrides and isolates. */
const UNSAFE_IN_NAMES = /[\p{Cc}\p{Zl}\p{Zp}\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/u;
/** Names an object cannot carry as plain own properties everywhere. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks a wrap-up's fields (`intent`, `intent_status`, `variables`), as the form builds
 * them or as a request carries them. Trims text, maps `closed` to `resolved`, turns
 * numbers and booleans into text. Never throws.
 *
 * @example
 * validateWrapUp({ intent: 'refund_request', intent_status: 'open', variables: { 'order-id': 'A1' } })
 * // { ok: true, fields: { intent: 'refund_request', intent_status: 'open', variables: { 'order-id': 'A1' } } }
 */
export function validateWrapUp(input: unknown, rules: WrapUpRules = {}): WrapUpValidation {
  const source = isRecord(input) ? input : {};
  const issues: WrapUpIssue[] = [];
  const fields: { intent?: string; intent_status?: string; variables?: Record<string, string> } = {};

  const rawIntent = source.intent;
  if (rawIntent !== undefined && rawIntent !== null && rawIntent !== '') {
    const intent = typeof rawIntent === 'string' ? rawIntent.trim() : '';
    if (intent === '' || intent.length > WRAP_UP_LIMITS.intentLength || UNSAFE_IN_NAMES.test(intent)) {
      issues.push({
        code: 'intent_format',
        path: ['intent'],
        message: `intent must be text of 1 to ${WRAP_UP_LIMITS.intentLength} characters, without control characters`,
      });
    } else {
      fields.intent = intent;
    }
  } else if (rules.requireIntent === true) {
    issues.push({ code: 'intent_required', path: ['intent'], message: 'intent is required' });
  }

  const rawStatus = source.intent_status;
  const hasIntent = rawIntent !== undefined && rawIntent !== null && rawIntent !== '';
  if (hasIntent) {
    if (rawStatus === undefined || rawStatus === null || rawStatus === '') {
      issues.push({
        code: 'status_required',
        path: ['intent_status'],
        message: 'intent_status is required with an intent (open, resolved or abandoned)',
      });
    } else {
      const status = typeof rawStatus === 'string' ? normalizeIntentStatus(rawStatus) : '';
      // Only the API's three: a status it does not know would make a wrap-up no Retry can save.
      if ((INTENT_STATUSES as readonly string[]).includes(status)) fields.intent_status = status;
      else
        issues.push({
          code: 'status_format',
          path: ['intent_status'],
          message: 'intent_status must be open, resolved or abandoned',
        });
    }
  }

  const rawVariables = source.variables;
  if (rawVariables !== undefined && rawVariables !== null) {
    if (!isRecord(rawVariables)) {
      issues.push({
        code: 'variables_format',
        path: ['variables'],
        message: 'variables must be an object of name → value',
      });
    } else {
      const variables: Record<string, string> = {};
      for (const name of Object.keys(rawVariables)) {
        const issue = nameIssue(name) ?? valueIssue(name, rawVariables[name]);
        if (issue !== undefined) issues.push(issue);
        else variables[name] = String(rawVariables[name]).trim();
      }
      if (Object.keys(variables).length > 0) fields.variables = variables;
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, fields };
}

function nameIssue(name: string): WrapUpIssue | undefined {
  if (VARIABLE_NAME.test(name) && !RESERVED_NAMES.has(name)) return undefined;
  return {
    code: 'variable_name',
    path: ['variables', name],
    name,
    message: `variable name ${JSON.stringify(name.slice(0, 80))} must be 1 to ${WRAP_UP_LIMITS.variableNameLength} letters, digits, _, . or - (and not __proto__, constructor or prototype)`,
  };
}

function valueIssue(name: string, value: unknown): WrapUpIssue | undefined {
  const usable =
    (typeof value === 'string' && value.trim() !== '') ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'boolean';
  if (usable) return undefined;
  return {
    code: 'variable_value',
    path: ['variables', name],
    name,
    message: `variable ${name} needs a value: text, a number or true/false`,
  };
}

/**
 * Rows of name and value, as a form collects them, into variables. Empty rows are
 * skipped; a name used twice (or one of `taken`, such as `summary`) is a
 * `variable_duplicate`; a name with no value is a `variable_value`. The path of a row's
 * issue is `['variables', index]`.
 */
export function variablesFromRows(
  rows: readonly { readonly name: string; readonly value: string }[],
  taken: readonly string[] = [],
): { readonly variables: Record<string, string>; readonly issues: readonly WrapUpIssue[] } {
  const variables: Record<string, string> = {};
  const issues: WrapUpIssue[] = [];
  const seen = new Set(taken);
  rows.forEach((row, index) => {
    const name = row.name.trim();
    const value = row.value.trim();
    if (name === '' && value === '') return;
    const path = ['variables', index];
    const invalid = nameIssue(name);
    if (invalid !== undefined) issues.push({ ...invalid, path });
    else if (seen.has(name))
      issues.push({
        code: 'variable_duplicate',
        path,
        name,
        message: `variable ${name} is given twice`,
      });
    else if (value === '') issues.push({ ...(valueIssue(name, value) as WrapUpIssue), path });
    else variables[name] = value;
    seen.add(name);
  });
  return { variables, issues };
}

/**
 * What an agent types as an intent, as the slug it is saved as: `Billing question` →
 * `billing_question`, `返金 申請` → `返金_申請`.
 */
export function toSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_.-]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

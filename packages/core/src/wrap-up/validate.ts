/**
 * The one validator of a wrap-up's fields. The agent's form turns its issue codes into
 * messages in the agent's language; the save Function answers them as its 400 body. Both
 * run this function, so what the form accepts the Function accepts, and the reverse.
 */
import {
  INTENT_STATUSES,
  isSafeName,
  normalizeIntentStatus,
  normalizeValue,
  RESERVED_NAMES,
  showsText,
  WRAP_UP_LIMITS,
} from '../contract.js';
import { hasOwn, isRecord, type SnapshotProblem, setOwn, snapshot } from '../objects.js';
import {
  IDENTITY_CHECK_METHODS,
  type IdentityCheckMethod,
  type RecordedIdentityCheck,
  readIdentityCheck,
  SERVER_VARIABLE_NAMES,
  WORKER_SID_PATTERN,
} from './identity-check.js';

/**
 * Limits of a wrap-up's fields, what names may hold and how values are normalised: one
 * set, shared with the client's `calls.end` (defined beside its schema).
 */
export { WRAP_UP_LIMITS };

/** What can be wrong with a wrap-up, as stable codes. */
export const WRAP_UP_ISSUE_CODES = [
  /** An intent is required (the form's `requireIntent`) and there is none. */
  'intent_required',
  /** The intent is not usable text (empty once trimmed, too long, control, invisible or bidi characters). */
  'intent_format',
  /** An intent without its status. */
  'status_required',
  /** A status that is not `open`, `resolved` or `abandoned` (`closed` is read as `resolved`). */
  'status_format',
  /** `variables` is not an object of name → value. */
  'variables_format',
  /**
   * A variable name that is not letters, digits, `_`, `.` or `-` (1 to 64), a reserved one,
   * or one Sticky Calls writes itself (`last_contact_at`, `identity_verified_*`).
   */
  'variable_name',
  /** The same variable name twice (the form's rows). */
  'variable_duplicate',
  /** A variable without a value (or one that shows nothing once normalised), or not text, a number or true/false. */
  'variable_value',
  /** A variable's value longer than `WRAP_UP_LIMITS.variableValueLength`. */
  'variable_too_long',
  /** More variables than `WRAP_UP_LIMITS.variableCount`. */
  'too_many_variables',
  /** The wrap-up does not fit in the task's attributes. */
  'too_long',
  /** The task has no Sticky Calls call to save the wrap-up for. */
  'no_call',
  /** Anything else the save Function refused, such as a malformed `identity_check` (its message says what). */
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
  /**
   * How far over its limit: characters for `too_long` and `variable_too_long`, variables
   * for `too_many_variables`.
   */
  readonly count?: number;
}

/** A wrap-up's fields once checked: what `calls.end` takes besides the call and the customer. */
export interface WrapUpFields {
  readonly intent?: string;
  readonly intent_status?: string;
  /** Name → value; `summary` and `disposition` are the agent's note and disposition. */
  readonly variables?: Readonly<Record<string, string>>;
  /**
   * The agent's check of the caller's identity. The browser sends the outcome and when;
   * the save Function adds who (`by`, from the agent's token) and how (`method`).
   */
  readonly identity_check?: RecordedIdentityCheck;
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

/**
 * Letters (with their marks: the vowels of many scripts are marks), digits, `_`, `.` and
 * `-`; the length is checked against the limit.
 */
const VARIABLE_NAME = /^(?:\p{L}\p{M}*|[\p{N}_.-])+$/u;

/**
 * Checks a wrap-up's fields (`intent`, `intent_status`, `variables`, `identity_check`), as
 * the form builds them or as a request carries them. Trims text, maps `closed` to `resolved`, turns
 * numbers and booleans into text, normalises values (line breaks as LF, no other
 * control characters but tab, no bidirectional embeddings, overrides or isolates), and
 * refuses what is over a limit of {@link WRAP_UP_LIMITS}, names and intents holding
 * control, invisible or bidirectional characters, the names `__proto__`,
 * `constructor` and `prototype`, the names Sticky Calls writes itself
 * (`SERVER_VARIABLES`), and an identity check that is not `{ outcome, at }`. The input is copied first, so hostile objects
 * (throwing getters, proxies, cycles, very deep or large values) are refused, never
 * read through. Never throws.
 *
 * @example
 * validateWrapUp({ intent: 'refund_request', intent_status: 'open', variables: { 'order-id': 'A1' } })
 * // { ok: true, fields: { intent: 'refund_request', intent_status: 'open', variables: { 'order-id': 'A1' } } }
 */
export function validateWrapUp(input: unknown, rules: WrapUpRules = {}): WrapUpValidation {
  const read = snapshot(input);
  if (!read.ok) return { ok: false, issues: [unreadable(read.problem)] };
  const source = isRecord(read.value) ? read.value : {};
  const issues: WrapUpIssue[] = [];
  const fields: {
    intent?: string;
    intent_status?: string;
    variables?: Record<string, string>;
    identity_check?: RecordedIdentityCheck;
  } = {};

  const rawIntent = source.intent;
  const hasIntent = rawIntent !== undefined && rawIntent !== null && rawIntent !== '';
  if (hasIntent) {
    const intent = typeof rawIntent === 'string' ? rawIntent.trim() : '';
    if (intent === '' || intent.length > WRAP_UP_LIMITS.intentLength || !isSafeName(intent)) {
      issues.push({
        code: 'intent_format',
        path: ['intent'],
        message: `intent must be text of 1 to ${WRAP_UP_LIMITS.intentLength} characters that shows a letter, digit or sign, without control, invisible or bidirectional characters`,
      });
    } else {
      fields.intent = intent;
    }
  } else if (rules.requireIntent === true) {
    issues.push({ code: 'intent_required', path: ['intent'], message: 'intent is required' });
  }

  const rawStatus = source.intent_status;
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
      const names = Object.keys(rawVariables);
      const over = names.length - WRAP_UP_LIMITS.variableCount;
      // One issue for 10,000 variables, not 10,000.
      if (over > 0) issues.push(tooManyVariables(names.length, over));
      else {
        const variables: Record<string, string> = {};
        for (const name of names) {
          const value = nameIssue(name) ?? readValue(name, rawVariables[name]);
          if (typeof value === 'string') setOwn(variables, name, value);
          else issues.push(value);
        }
        if (names.length > 0) fields.variables = variables;
      }
    }
  }

  const rawCheck = source.identity_check;
  if (rawCheck !== undefined && rawCheck !== null) {
    const check = readRecordedCheck(rawCheck);
    if (check === null)
      issues.push({
        code: 'other',
        path: ['identity_check'],
        message:
          'identity_check must be { outcome: "verified" or "rejected", at: an ISO 8601 time }, with by a worker sid (WK…) and method "agent" when given',
      });
    else fields.identity_check = check;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, fields };
}

/** An identity check as sent or stored (`by` and `method` as the save Function records them), or `null`. */
function readRecordedCheck(value: unknown): RecordedIdentityCheck | null {
  const check = readIdentityCheck(value);
  if (check === null || !isRecord(value)) return null;
  const by = hasOwn(value, 'by') ? value.by : undefined;
  const method = hasOwn(value, 'method') ? value.method : undefined;
  if (by !== undefined && (typeof by !== 'string' || !WORKER_SID_PATTERN.test(by))) return null;
  if (method !== undefined && !(IDENTITY_CHECK_METHODS as readonly unknown[]).includes(method)) return null;
  return {
    ...check,
    ...(by !== undefined ? { by } : {}),
    ...(method !== undefined ? { method: method as IdentityCheckMethod } : {}),
  };
}

function unreadable(problem: SnapshotProblem): WrapUpIssue {
  const why: Record<SnapshotProblem, string> = {
    unreadable: 'a value could not be read',
    cycle: 'a value holds itself',
    too_deep: 'a value is nested too deeply',
    too_large: 'it is too large',
  };
  return { code: 'other', path: [], message: `the wrap-up could not be read: ${why[problem]}` };
}

function tooManyVariables(count: number, over: number): WrapUpIssue {
  return {
    code: 'too_many_variables',
    path: ['variables'],
    count: over,
    message: `at most ${WRAP_UP_LIMITS.variableCount} variables can be saved, got ${count}`,
  };
}

function nameIssue(name: string): WrapUpIssue | undefined {
  if (
    name.length <= WRAP_UP_LIMITS.variableNameLength &&
    VARIABLE_NAME.test(name) &&
    isSafeName(name) &&
    !RESERVED_NAMES.has(name) &&
    !SERVER_VARIABLE_NAMES.has(name)
  )
    return undefined;
  const shown = JSON.stringify(name.slice(0, 80));
  return {
    code: 'variable_name',
    path: ['variables', name],
    name,
    message: RESERVED_NAMES.has(name)
      ? `variable name ${shown} is reserved: __proto__, constructor and prototype cannot be variable names`
      : SERVER_VARIABLE_NAMES.has(name)
        ? `variable name ${shown} is written by Sticky Calls itself (when the call happened, who verified the caller): choose another name`
        : `variable name ${shown} must be 1 to ${WRAP_UP_LIMITS.variableNameLength} letters, digits, _, . or -`,
  };
}

/** A value as saved (normalised and trimmed text), or its issue. */
function readValue(name: string, value: unknown): string | WrapUpIssue {
  const text =
    typeof value === 'string'
      ? normalizeValue(value).trim()
      : (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
        ? String(value)
        : '';
  if (!showsText(text))
    return {
      code: 'variable_value',
      path: ['variables', name],
      name,
      message: `variable ${name} needs a value: text, a number or true/false`,
    };
  const over = text.length - WRAP_UP_LIMITS.variableValueLength;
  if (over > 0)
    return {
      code: 'variable_too_long',
      path: ['variables', name],
      name,
      count: over,
      message: `variable ${name} is ${over} characters over the limit of ${WRAP_UP_LIMITS.variableValueLength}`,
    };
  return text;
}

/**
 * Rows of name and value, as a form collects them, into variables, by the validator's
 * rules. Empty rows are skipped; a name used twice (or one of `taken`, such as
 * `summary`) is a `variable_duplicate`; a name with no value is a `variable_value`; a
 * value over the limit is a `variable_too_long`. The path of a row's issue is
 * `['variables', index]`. Rows past {@link WRAP_UP_LIMITS}`.variableCount` are left out
 * and named by one `too_many_variables` issue (path `['variables']`).
 */
export function variablesFromRows(
  rows: readonly { readonly name: string; readonly value: string }[],
  taken: readonly string[] = [],
): { readonly variables: Record<string, string>; readonly issues: readonly WrapUpIssue[] } {
  const variables: Record<string, string> = {};
  const issues: WrapUpIssue[] = [];
  const seen = new Set(taken);
  let kept = 0;
  let over = 0;
  rows.forEach((row, index) => {
    const name = row.name.trim();
    if (name === '' && row.value.trim() === '') return;
    const path = ['variables', index];
    const invalid = nameIssue(name);
    const value = invalid === undefined && !seen.has(name) ? readValue(name, row.value) : undefined;
    if (invalid !== undefined) issues.push({ ...invalid, path });
    else if (value === undefined)
      issues.push({
        code: 'variable_duplicate',
        path,
        name,
        message: `variable ${name} is given twice`,
      });
    else if (typeof value !== 'string') issues.push({ ...value, path });
    else if (kept >= WRAP_UP_LIMITS.variableCount) over += 1;
    else {
      setOwn(variables, name, value);
      kept += 1;
    }
    seen.add(name);
  });
  if (over > 0) issues.push(tooManyVariables(kept + over, over));
  return { variables, issues };
}

/**
 * What an agent types as an intent, as the slug it is saved as: `Billing question` →
 * `billing_question`, `返金 申請` → `返金_申請`. Letters keep their marks (the vowels of
 * many scripts are marks); anything else, control, invisible and bidirectional
 * characters included, becomes `_`, so a slug shows all it holds.
 */
export function toSlug(text: string): string {
  return text
    .normalize('NFC')
    .trim()
    .toLowerCase()
    .replace(/(?:[^\p{L}\p{M}\p{N}_.-]|[\u115F\u1160\u3164\uFFA0])+/gu, '_')
    .replace(/(^|_)\p{M}+/gu, '$1')
    .replace(/^_+|_+$/g, '');
}

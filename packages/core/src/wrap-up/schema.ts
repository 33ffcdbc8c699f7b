/**
 * The wrap-up as it is stored on a task: what the agent recorded at the end of a call,
 * on its way to `calls.end`. The save Function writes it into the task's attributes;
 * the Function, the agent's UI and the TaskRouter safety net read it back. One schema
 * for all of them, so they cannot disagree.
 */
import * as z from 'zod/mini';
import { textRecord } from '../contract.js';
import { formatIssues } from '../errors.js';
import { hasOwn, snapshotJson } from '../objects.js';
import { toValidationIssues } from '../zod-issues.js';
import { IDENTITY_CHECK_OUTCOMES } from './identity-check.js';
import { validateWrapUp, type WrapUpFields } from './validate.js';

/** The key of the wrap-up in task attributes. */
export const WRAP_UP_ATTRIBUTE_KEY = 'sticky_calls_wrapup';

/** A wrap-up as it is stored on a task: what `calls.end` needs, and whether it was saved. */
export const wrapUpSchema = z.object({
  call_id: z.string().check(z.minLength(1)),
  customer_ref: z.optional(z.nullable(z.string())),
  /** Written by earlier versions; never used: who the caller was is read from the task. */
  identity_hints: z.optional(z.record(z.string(), z.unknown())),
  intent: z.optional(z.string()),
  intent_status: z.optional(z.string()),
  /**
   * Values as `calls.end` takes them: strings, numbers or booleans (sent as strings).
   * Every name is read, `__proto__` included, so the validator refuses what the save
   * Function would have refused, rather than a name going missing.
   */
  variables: z.optional(textRecord(z.union([z.string(), z.number(), z.boolean()]))),
  /**
   * The agent's check of the caller's identity: `verified` or `rejected` (a `rejected`
   * wrap-up stays on the task, never written into the customer's memory), when, and as
   * the save Function recorded it, by which worker and how (`agent`).
   */
  identity_check: z.optional(
    z.object({
      outcome: z.enum(IDENTITY_CHECK_OUTCOMES),
      at: z.string(),
      by: z.optional(z.string()),
      method: z.optional(z.string()),
    }),
  ),
  /** Set once the save Function confirmed the save; the safety net saves only unsaved wrap-ups. */
  saved: z.optional(z.boolean()),
});

/** A wrap-up as stored on a task. */
export type WrapUp = z.output<typeof wrapUpSchema>;

/** What a task's attributes hold of a wrap-up. */
export type WrapUpState =
  | { readonly state: 'absent' }
  | { readonly state: 'invalid'; readonly problem: string }
  | { readonly state: 'ready'; readonly wrapUp: WrapUp };

/**
 * The wrap-up stored on a task (attributes as an object or JSON): absent, invalid (with
 * the problem, so it can be logged rather than lost quietly) or ready. The attributes
 * are copied before they are read: ones that cannot be copied whole (throwing getters,
 * proxies, cycles, nesting too deep) are invalid. Never throws.
 */
export function readWrapUp(attributes: unknown): WrapUpState {
  const read = snapshotJson(attributes);
  if (!read.ok)
    return {
      state: 'invalid',
      problem:
        read.problem === 'not_json'
          ? 'the task attributes are not valid JSON'
          : `the task attributes could not be read (${read.problem.replace('_', ' ')})`,
    };
  const record = read.value;
  if (typeof record !== 'object' || record === null || !hasOwn(record, WRAP_UP_ATTRIBUTE_KEY))
    return { state: 'absent' };
  let raw = (record as Record<string, unknown>)[WRAP_UP_ATTRIBUTE_KEY];
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return { state: 'invalid', problem: `${WRAP_UP_ATTRIBUTE_KEY} is not valid JSON` };
    }
  }
  const parsed = wrapUpSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      state: 'invalid',
      problem: formatIssues(toValidationIssues(parsed.error, [WRAP_UP_ATTRIBUTE_KEY])),
    };
  }
  return { state: 'ready', wrapUp: parsed.data };
}

/**
 * The wrap-up a task's attributes mark saved for this very call, if any: what both the
 * save Function and the safety net check before they send anything.
 */
export function savedWrapUp(attributes: unknown, callId: string): WrapUp | undefined {
  const stored = readWrapUp(attributes);
  return stored.state === 'ready' && stored.wrapUp.saved === true && stored.wrapUp.call_id === callId
    ? stored.wrapUp
    : undefined;
}

/**
 * Whether a stored wrap-up holds the same intent, intent status, variables and identity
 * check (its outcome and time; who recorded it is no part of what was decided) as checked
 * fields, compared as the validator normalises them (trimmed text, `closed` read as
 * `resolved`, numbers as text): a save of the same wrap-up twice is one save.
 */
export function sameWrapUp(wrapUp: WrapUp, fields: WrapUpFields): boolean {
  const checked = validateWrapUp({
    intent: wrapUp.intent,
    intent_status: wrapUp.intent_status,
    variables: wrapUp.variables,
    identity_check: wrapUp.identity_check,
  });
  if (!checked.ok) return false;
  const stored = checked.fields;
  if (stored.intent !== fields.intent || stored.intent_status !== fields.intent_status) return false;
  const storedCheck = stored.identity_check;
  const check = fields.identity_check;
  if (storedCheck?.outcome !== check?.outcome || storedCheck?.at !== check?.at) return false;
  const a = stored.variables ?? {};
  const b = fields.variables ?? {};
  const names = Object.keys(a);
  return (
    names.length === Object.keys(b).length && names.every((name) => hasOwn(b, name) && a[name] === b[name])
  );
}

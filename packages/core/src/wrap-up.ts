/**
 * The wrap-up: what the agent recorded at the end of a call, on its way to
 * `calls.end`. The Flex plugin writes it to the task's attributes and posts it to the
 * save Function; the Function and the TaskRouter safety net read it back. One schema
 * for all three, so they cannot disagree.
 */
import * as z from 'zod/mini';
import { callerAni } from './caller-number.js';
import {
  type EndCallBody,
  type EndCallParams,
  endCallParamsSchema,
  normalizeIntentStatus,
} from './contract.js';
import { formatIssues, type ValidationIssue } from './errors.js';
import { hasOwn, stripUndefined } from './objects.js';
import { toValidationIssues } from './zod-issues.js';

/** The key of the wrap-up in task attributes. */
export const WRAP_UP_ATTRIBUTE_KEY = 'sticky_calls_wrapup';

/** A wrap-up as it is stored on a task: what `calls.end` needs, and whether it was saved. */
export const wrapUpSchema = z.object({
  call_id: z.string().check(z.minLength(1)),
  customer_ref: z.optional(z.nullable(z.string())),
  /** For a call whose start failed: who the caller was. */
  identity_hints: z.optional(z.record(z.string(), z.unknown())),
  intent: z.optional(z.string()),
  intent_status: z.optional(z.string()),
  /** Values as `calls.end` takes them: strings, numbers or booleans (sent as strings). */
  variables: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
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
 * A save request as the save Function receives it: the SDK's own names, or the names
 * the vendor's Flex guide posts (`CallSid`, `CustomerRef`, `Intent`, `IntentStatus`,
 * `AgentNotes`, `Disposition`). Values may arrive as strings (form posts) or JSON.
 */
export type SaveRequestResult =
  | { readonly success: true; readonly data: EndCallBody }
  | { readonly success: false; readonly issues: readonly ValidationIssue[] };

/**
 * Reads a save request into `calls.end` params. `closed` means `resolved`; the
 * guide's `AgentNotes` and `Disposition` become the `summary` and `disposition`
 * variables, as its save Function did. Never throws.
 *
 * @example
 * parseSaveRequest({ CallSid: 'CA1', CustomerRef: 'c1', Intent: 'refund', IntentStatus: 'closed' })
 * // { success: true, data: { call_id: 'CA1', customer_ref: 'c1', intent: 'refund', intent_status: 'resolved' } }
 */
export function parseSaveRequest(body: unknown): SaveRequestResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { success: false, issues: [{ path: [], message: 'the body must be a JSON object' }] };
  }
  const source = body as Record<string, unknown>;
  const pick = (...names: string[]): unknown => {
    for (const name of names) if (source[name] !== undefined && source[name] !== '') return source[name];
    return undefined;
  };
  const variables = parseVariables(pick('variables', 'Variables'));
  if (variables === null) {
    return {
      success: false,
      issues: [{ path: ['variables'], message: 'variables must be an object (or its JSON)' }],
    };
  }
  const notes = pick('AgentNotes', 'notes');
  const disposition = pick('Disposition', 'disposition');
  if (notes !== undefined) variables.summary ??= notes;
  if (disposition !== undefined) variables.disposition ??= disposition;
  const status = pick('intent_status', 'IntentStatus');

  const params = stripUndefined({
    call_id: pick('call_id', 'CallSid'),
    customer_ref: pick('customer_ref', 'CustomerRef'),
    identity_hints: pick('identity_hints'),
    intent: pick('intent', 'Intent'),
    intent_status: typeof status === 'string' ? normalizeIntentStatus(status) : status,
    variables: Object.keys(variables).length > 0 ? variables : undefined,
  });
  const parsed = endCallParamsSchema.safeParse(params);
  if (!parsed.success) return { success: false, issues: toValidationIssues(parsed.error) };
  return { success: true, data: parsed.data };
}

/**
 * The wrap-up stored on a task (attributes as an object or JSON): absent, invalid (with
 * the problem, so it can be logged rather than lost quietly) or ready. Never throws.
 */
export function readWrapUp(attributes: unknown): WrapUpState {
  let record: unknown;
  try {
    record = typeof attributes === 'string' ? JSON.parse(attributes) : attributes;
  } catch {
    return { state: 'invalid', problem: 'the task attributes are not valid JSON' };
  }
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
 * The `calls.end` params for a stored wrap-up; validated by the client when sent.
 * A wrap-up with neither `customer_ref` nor `identity_hints` (its call's start failed)
 * is saved against the caller's number, `from`, when that is a real phone number.
 */
export function wrapUpToEndCall(wrapUp: WrapUp, task: { readonly from?: unknown } = {}): EndCallParams {
  const ani = callerAni(task.from);
  const identityHints =
    wrapUp.identity_hints ?? (wrapUp.customer_ref == null && ani !== undefined ? { ani } : undefined);
  return stripUndefined({
    call_id: wrapUp.call_id,
    customer_ref: wrapUp.customer_ref ?? undefined,
    identity_hints: identityHints,
    intent: wrapUp.intent,
    intent_status:
      wrapUp.intent_status === undefined ? undefined : normalizeIntentStatus(wrapUp.intent_status),
    variables: wrapUp.variables,
  }) as EndCallParams;
}

/** Variables from an object or its JSON; `null` when neither. */
function parseVariables(value: unknown): Record<string, unknown> | null {
  if (value === undefined) return {};
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? { ...(parsed as Record<string, unknown>) }
    : null;
}

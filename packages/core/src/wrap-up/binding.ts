/**
 * A save is bound to its task: the call and the customer come from the task's own
 * attributes (written by Flex and the call-start Function), never from the request.
 * The save Function and the TaskRouter safety net both bind through here, so neither
 * can be made to write another call's or another customer's memory.
 */
import { readCallerContext, taskAttributes } from '../attributes/reader.js';
import { ATTRIBUTE_KEY } from '../attributes/schema.js';
import { TASK_ATTRIBUTES_LIMIT } from '../attributes/writer.js';
import { callerAni } from '../caller-number.js';
import type { EndCallParams } from '../contract.js';
import { hasOwn, isRecord, setOwn, snapshot } from '../objects.js';
import { type RecordedIdentityCheck, SERVER_VARIABLE_NAMES, SERVER_VARIABLES } from './identity-check.js';
import { WRAP_UP_ATTRIBUTE_KEY, type WrapUp } from './schema.js';
import type { WrapUpFields, WrapUpIssue } from './validate.js';

/** The call a task is about, as its attributes say. */
export interface TaskCall {
  /** The task's `call_sid`. */
  readonly call_id: string;
  /** The customer the call-start lookup named; `null` when it failed or did not run. */
  readonly customer_ref: string | null;
  /** Without a customer: the caller's number, when it is a real phone number. */
  readonly ani: string | null;
  /** When the call started, as the call-start lookup said (ISO 8601); `null` when unknown. */
  readonly call_start: string | null;
}

/** Why a save does not bind to the task. */
export type TaskBindingRefusal =
  /** The task has no `call_sid`, or never went through Sticky Calls at call start. */
  | 'not_sticky_call'
  /** The request names another call than the task's. */
  | 'other_call'
  /** The request names another customer than the task's (or brings identity hints). */
  | 'other_customer';

/** The outcome of {@link bindToTask}. */
export type TaskBinding =
  | { readonly ok: true; readonly call: TaskCall }
  | { readonly ok: false; readonly refusal: TaskBindingRefusal; readonly message: string };

/** What a request (or a stored wrap-up) says about the call and the customer. */
export interface SaveClaims {
  readonly call_id?: unknown;
  readonly customer_ref?: unknown;
  readonly identity_hints?: unknown;
}

/**
 * The call and customer of a task (attributes as an object or JSON), checked against
 * what a request claims: a claim that differs is refused, and identity hints are never
 * taken from a request. Never throws.
 *
 * @example
 * const bound = bindToTask(task.attributes, { call_id: body.CallSid });
 * if (!bound.ok) return forbidden(bound.message);
 */
export function bindToTask(attributes: unknown, claimed: SaveClaims = {}): TaskBinding {
  // Claims that cannot be copied whole (throwing getters, proxies) could name anything.
  const read = snapshot(claimed);
  if (!read.ok)
    return { ok: false, refusal: 'other_call', message: 'what it says about the call could not be read' };
  const claims: SaveClaims = isRecord(read.value) ? read.value : {};
  const record = taskAttributes(attributes);
  const callSid = record?.call_sid;
  const caller = readCallerContext(record);
  if (
    typeof callSid !== 'string' ||
    callSid === '' ||
    caller.state === 'absent' ||
    !fromStickyCalls(record)
  ) {
    return {
      ok: false,
      refusal: 'not_sticky_call',
      message: 'the task is not a call that went through Sticky Calls (no call_sid or no caller context)',
    };
  }
  if (given(claims.call_id) && claims.call_id !== callSid) {
    return { ok: false, refusal: 'other_call', message: 'it names another call than its task’s own' };
  }
  const customerRef = caller.state === 'ready' ? caller.context.customer_ref : null;
  if (given(claims.customer_ref) && claims.customer_ref !== customerRef) {
    return {
      ok: false,
      refusal: 'other_customer',
      message: 'it names another customer than its task’s own',
    };
  }
  if (claims.identity_hints !== undefined && claims.identity_hints !== null) {
    return {
      ok: false,
      refusal: 'other_customer',
      message: 'identity_hints are read from the task, never taken from a request',
    };
  }
  const ani = customerRef === null ? (callerAni(record?.from) ?? null) : null;
  const callStart = caller.state === 'ready' ? isoTime(caller.context.call_start) : null;
  return { ok: true, call: { call_id: callSid, customer_ref: customerRef, ani, call_start: callStart } };
}

/** Options of {@link endCallFor}. */
export interface EndCallForOptions {
  /** The save's time, in milliseconds: `last_contact_at` when the call's start is unknown. @default Date.now() */
  readonly now?: number;
}

/**
 * The `calls.end` params for a bound call and checked fields, or `null` when the wrap-up
 * can only be kept on the task: nothing names the caller (no customer, no phone number),
 * or the agent said the caller is not the matched customer (a `rejected` identity check),
 * so nothing is written into that customer's memory.
 *
 * The server's variables (`SERVER_VARIABLES`) are written here, over anything the fields
 * hold under those names: `last_contact_at` (the call's start, else the save's time), and
 * for a verified caller `identity_verified_at`, `identity_verified_by` (when recorded) and
 * `identity_verified_how`.
 */
export function endCallFor(
  call: TaskCall,
  fields: WrapUpFields,
  options: EndCallForOptions = {},
): EndCallParams | null {
  if (call.customer_ref === null && call.ani === null) return null;
  if (fields.identity_check?.outcome === 'rejected') return null;
  return {
    call_id: call.call_id,
    ...(call.customer_ref !== null
      ? { customer_ref: call.customer_ref }
      : { identity_hints: { ani: call.ani as string } }),
    ...(fields.intent !== undefined ? { intent: fields.intent } : {}),
    ...(fields.intent_status !== undefined ? { intent_status: fields.intent_status } : {}),
    variables: withServerVariables(call, fields, options.now ?? Date.now()),
  };
}

/** The fields' variables without the server's names, then the server's values. */
function withServerVariables(call: TaskCall, fields: WrapUpFields, now: number): Record<string, string> {
  const variables: Record<string, string> = {};
  const own = fields.variables ?? {};
  for (const name of Object.keys(own))
    if (!SERVER_VARIABLE_NAMES.has(name)) setOwn(variables, name, own[name] as string);
  variables[SERVER_VARIABLES.lastContact] = call.call_start ?? new Date(now).toISOString();
  const check: RecordedIdentityCheck | undefined = fields.identity_check;
  if (check?.outcome === 'verified') {
    variables[SERVER_VARIABLES.verifiedAt] = check.at;
    if (check.by !== undefined) variables[SERVER_VARIABLES.verifiedBy] = check.by;
    variables[SERVER_VARIABLES.verifiedHow] = check.method ?? 'agent';
  }
  return variables;
}

/** The wrap-up to store on the task for a bound call and checked fields. */
export function wrapUpFor(call: TaskCall, fields: WrapUpFields, saved: boolean): WrapUp {
  return {
    call_id: call.call_id,
    customer_ref: call.customer_ref,
    ...(fields.intent !== undefined ? { intent: fields.intent } : {}),
    ...(fields.intent_status !== undefined ? { intent_status: fields.intent_status } : {}),
    ...(fields.variables !== undefined ? { variables: { ...fields.variables } } : {}),
    ...(fields.identity_check !== undefined ? { identity_check: { ...fields.identity_check } } : {}),
    saved,
  };
}

/**
 * The task's attributes with the wrap-up merged in (everything else kept as it is), and
 * with `conversations` attributes for Flex Insights merged into the task's own
 * `conversations` object (a `conversations` that is not an object is left as it is), or
 * the `too_long` issue when they would pass TaskRouter's 4,096 characters. Measured with
 * `saved: false`, the longer of the two forms, and with the identity check as the save
 * Function records it (its `by` and `method`), so what the browser's check lets through
 * still fits once the Function stores it.
 */
export function withWrapUp(
  attributes: unknown,
  wrapUp: WrapUp,
  conversations?: Readonly<Record<string, string>>,
):
  | { readonly ok: true; readonly attributes: Record<string, unknown> }
  | { readonly ok: false; readonly issue: WrapUpIssue } {
  const record = taskAttributes(attributes) ?? {};
  const merged: Record<string, unknown> = { ...record, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp };
  if (conversations !== undefined && Object.keys(conversations).length > 0) {
    const own = record.conversations;
    if (own === undefined || own === null) merged.conversations = { ...conversations };
    else if (isRecord(own)) merged.conversations = { ...own, ...conversations };
  }
  const measured = { ...wrapUp, saved: false };
  if (wrapUp.identity_check !== undefined)
    measured.identity_check = { by: RECORDED_BY, method: 'agent', ...wrapUp.identity_check };
  const size = JSON.stringify({ ...merged, [WRAP_UP_ATTRIBUTE_KEY]: measured }).length;
  if (size <= TASK_ATTRIBUTES_LIMIT) return { ok: true, attributes: merged };
  const count = size - TASK_ATTRIBUTES_LIMIT;
  return {
    ok: false,
    issue: {
      code: 'too_long',
      path: ['variables'],
      count,
      message: `the wrap-up is ${count} characters too long for the task's attributes (4,096 in all)`,
    },
  };
}

/** As long as any worker sid: what the save Function records as `by`. */
const RECORDED_BY = `WK${'0'.repeat(32)}`;

/** A time as ISO 8601, or `null` when it is none. */
function isoTime(value: string | null): string | null {
  if (value === null || value === '') return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Whether the attributes were written by a Sticky Calls call-start: the namespaced
 * object, or the guide's flat layout with its identity keys. A task that only carries a
 * key of the same name from elsewhere (a CRM's `customer_ref`, another plugin's
 * `variables`) is not a Sticky Calls call.
 */
function fromStickyCalls(record: Record<string, unknown> | undefined): boolean {
  if (record === undefined) return false;
  return (
    hasOwn(record, ATTRIBUTE_KEY) || hasOwn(record, 'identity_confidence') || hasOwn(record, 'identity_level')
  );
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

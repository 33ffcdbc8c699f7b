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
import { hasOwn, isRecord, snapshot } from '../objects.js';
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
  return { ok: true, call: { call_id: callSid, customer_ref: customerRef, ani } };
}

/**
 * The `calls.end` params for a bound call and checked fields, or `null` when nothing
 * names the caller (no customer, no phone number): such a wrap-up can only be kept on
 * the task.
 */
export function endCallFor(call: TaskCall, fields: WrapUpFields): EndCallParams | null {
  if (call.customer_ref === null && call.ani === null) return null;
  return {
    call_id: call.call_id,
    ...(call.customer_ref !== null
      ? { customer_ref: call.customer_ref }
      : { identity_hints: { ani: call.ani as string } }),
    ...(fields.intent !== undefined ? { intent: fields.intent } : {}),
    ...(fields.intent_status !== undefined ? { intent_status: fields.intent_status } : {}),
    ...(fields.variables !== undefined ? { variables: { ...fields.variables } } : {}),
  };
}

/** The wrap-up to store on the task for a bound call and checked fields. */
export function wrapUpFor(call: TaskCall, fields: WrapUpFields, saved: boolean): WrapUp {
  return {
    call_id: call.call_id,
    customer_ref: call.customer_ref,
    ...(fields.intent !== undefined ? { intent: fields.intent } : {}),
    ...(fields.intent_status !== undefined ? { intent_status: fields.intent_status } : {}),
    ...(fields.variables !== undefined ? { variables: { ...fields.variables } } : {}),
    saved,
  };
}

/**
 * The task's attributes with the wrap-up merged in (everything else kept as it is), or
 * the `too_long` issue when they would pass TaskRouter's 4,096 characters. Measured
 * with `saved: false`, the longer of the two forms.
 */
export function withWrapUp(
  attributes: unknown,
  wrapUp: WrapUp,
):
  | { readonly ok: true; readonly attributes: Record<string, unknown> }
  | { readonly ok: false; readonly issue: WrapUpIssue } {
  const merged = { ...(taskAttributes(attributes) ?? {}), [WRAP_UP_ATTRIBUTE_KEY]: wrapUp };
  const size = JSON.stringify({ ...merged, [WRAP_UP_ATTRIBUTE_KEY]: { ...wrapUp, saved: false } }).length;
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

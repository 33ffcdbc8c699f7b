/**
 * The save protocol between the agent's browser and the save Function: what a request
 * holds and every answer, as schemas both sides use. The Function reads requests with
 * {@link readSaveRequest} and answers with {@link saveAnswer}; the browser reads the
 * answers with {@link readSaveAnswer}.
 */
import * as z from 'zod/mini';
import { WRAP_UP_LIMITS } from '../contract.js';
import type { ValidationIssue } from '../errors.js';
import { hasOwn, isRecord, type SnapshotProblem, setOwn, snapshot } from '../objects.js';
import type { SaveClaims } from './binding.js';

/** What a request asks: store the wrap-up on the task (before completion), or save it (after). */
export const SAVE_ACTIONS = ['save', 'store'] as const;

/** A save request's action. */
export type SaveAction = (typeof SAVE_ACTIONS)[number];

/** A task sid: `WT` and 32 hex digits. */
export const TASK_SID_PATTERN = /^WT[0-9a-f]{32}$/i;

/** A save request as the Function reads it. */
export interface SaveRequest {
  /** The task the wrap-up belongs to (`TaskSid`); absent in the vendor guide's requests. */
  readonly taskSid: string | undefined;
  readonly action: SaveAction;
  /** What the request says about the call and the customer: checked against the task, never trusted. */
  readonly claims: SaveClaims;
  /** The wrap-up's fields, unchecked: give them to `validateWrapUp`. */
  readonly fields: {
    readonly intent?: unknown;
    readonly intent_status?: unknown;
    readonly variables?: unknown;
    /** The agent's identity check (`{ outcome, at }`); who made it is the token's worker, never this. */
    readonly identity_check?: unknown;
  };
}

/** The outcome of {@link readSaveRequest}. */
export type SaveRequestResult =
  | { readonly success: true; readonly data: SaveRequest }
  | { readonly success: false; readonly issues: readonly ValidationIssue[] };

/**
 * Reads a save request: the SDK's own body (`TaskSid`, `action`, `wrap_up` with its
 * `identity_check`), the SDK's flat names (`call_id`, `intent`, …) or the vendor guide's
 * (`CallSid`, `CustomerRef`, `Intent`, `IntentStatus`, `AgentNotes`, `Disposition`). The guide's notes and
 * disposition become the `summary` and `disposition` variables. Values may be strings
 * (form posts) or JSON.
 *
 * The body is copied before it is read, and refused when it cannot be copied whole
 * (throwing getters, proxies, cycles, nesting too deep), when it is more than
 * {@link WRAP_UP_LIMITS}`.saveRequestLength` characters of JSON (the runtime's `request`,
 * its headers and cookies, is not counted), or when it or its wrap-up holds a
 * `__proto__` field. Never throws.
 *
 * @example
 * readSaveRequest({ TaskSid: 'WT…', wrap_up: { intent: 'refund', intent_status: 'open' } })
 */
export function readSaveRequest(event: unknown): SaveRequestResult {
  const read = snapshot(event);
  if (!read.ok) return refused([], unreadableMessage(read.problem));
  if (!isRecord(read.value)) return refused([], 'the body must be a JSON object');
  // The runtime's own `request` (headers, cookies) is no part of what the browser sent.
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(read.value)) if (key !== 'request') setOwn(body, key, read.value[key]);
  const size = JSON.stringify(body).length;
  if (size > WRAP_UP_LIMITS.saveRequestLength) {
    return refused(
      largestField(body, size),
      `the request is ${thousands(size)} characters of JSON, over the limit of ${thousands(WRAP_UP_LIMITS.saveRequestLength)}`,
    );
  }
  if (hasOwn(body, '__proto__')) return refused(['__proto__'], PROTO_MESSAGE);

  const pick = (record: Record<string, unknown>, ...names: string[]): unknown => {
    for (const name of names)
      if (hasOwn(record, name) && record[name] !== undefined && record[name] !== '') return record[name];
    return undefined;
  };
  const issues: ValidationIssue[] = [];
  const taskSid = pick(body, 'TaskSid', 'task_sid');
  if (taskSid !== undefined && (typeof taskSid !== 'string' || !TASK_SID_PATTERN.test(taskSid))) {
    issues.push({ path: ['TaskSid'], message: 'TaskSid must be a task sid (WT followed by 32 hex digits)' });
  }
  const action = pick(body, 'action') ?? 'save';
  if (!SAVE_ACTIONS.includes(action as SaveAction)) {
    issues.push({ path: ['action'], message: 'action must be "save" or "store"' });
  }
  const nested = parseObject(pick(body, 'wrap_up'));
  if (nested === null) issues.push({ path: ['wrap_up'], message: 'wrap_up must be an object (or its JSON)' });
  if (nested !== null && nested !== undefined && hasOwn(nested, '__proto__'))
    issues.push({ path: ['wrap_up', '__proto__'], message: PROTO_MESSAGE });
  const source = nested ?? body;
  const rawVariables = pick(source, 'variables', 'Variables');
  let variables = rawVariables === undefined ? undefined : parseObject(rawVariables);
  if (variables === null) {
    // Left for the validator to name: it is not an object of name → value.
    variables = undefined;
    issues.push({
      path: ['variables'],
      message: 'variables must be an object of name → value (or its JSON)',
    });
  }
  const notes = pick(body, 'AgentNotes', 'notes');
  const disposition = pick(body, 'Disposition', 'disposition');
  if (notes !== undefined || disposition !== undefined) {
    variables = { ...(variables ?? {}) };
    if (notes !== undefined && !hasOwn(variables, 'summary')) variables.summary = notes;
    if (disposition !== undefined && !hasOwn(variables, 'disposition')) variables.disposition = disposition;
  }
  // An object or its JSON (form posts); text that is neither is left for the validator to name.
  const rawCheck = pick(source, 'identity_check');
  const identityCheck = typeof rawCheck === 'string' ? (parseObject(rawCheck) ?? rawCheck) : rawCheck;
  if (issues.length > 0) return { success: false, issues };
  return {
    success: true,
    data: {
      taskSid: taskSid as string | undefined,
      action: action as SaveAction,
      claims: {
        call_id: pick(body, 'call_id', 'CallSid'),
        customer_ref: pick(body, 'customer_ref', 'CustomerRef'),
        identity_hints: pick(body, 'identity_hints'),
      },
      fields: {
        intent: pick(source, 'intent', 'Intent'),
        intent_status: pick(source, 'intent_status', 'IntentStatus'),
        variables,
        ...(identityCheck !== undefined ? { identity_check: identityCheck } : {}),
      },
    },
  };
}

const PROTO_MESSAGE = 'a field named __proto__ is not accepted: it cannot be read as an ordinary field';

function refused(path: (string | number)[], message: string): SaveRequestResult {
  return { success: false, issues: [{ path, message }] };
}

function unreadableMessage(problem: SnapshotProblem): string {
  switch (problem) {
    case 'too_large':
      return `the request is too large to read; at most ${thousands(WRAP_UP_LIMITS.saveRequestLength)} characters of JSON are accepted`;
    case 'too_deep':
      return 'the request could not be read: it is nested too deeply';
    case 'cycle':
      return 'the request could not be read: it holds itself';
    default:
      return 'the request could not be read';
  }
}

/**
 * Where most of an oversized request is: down from the body, the field holding more than
 * half of its parent's JSON, at most three levels deep (`['wrap_up', 'variables', 'note']`),
 * or `[]` when no one field does.
 */
function largestField(body: Record<string, unknown>, size: number): (string | number)[] {
  const path: (string | number)[] = [];
  let value: unknown = body;
  let length = size;
  while (path.length < 3 && (isRecord(value) || Array.isArray(value))) {
    const parent: Record<string, unknown> | unknown[] = value;
    let best: { key: string | number; value: unknown; length: number } | undefined;
    const keys: (string | number)[] = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
    for (const key of keys) {
      const child = (parent as Record<string | number, unknown>)[key];
      const childLength = JSON.stringify(child)?.length ?? 0;
      if (best === undefined || childLength > best.length) best = { key, value: child, length: childLength };
    }
    if (best === undefined || best.length * 2 <= length) break;
    path.push(best.key);
    value = best.value;
    length = best.length;
  }
  return path;
}

/** 16384 → `16,384`. */
function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const issueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  code: z.optional(z.string()),
});
/** A problem named in an `invalid` answer; `code` is a wrap-up issue code when it is one. */
export type SaveAnswerIssue = z.output<typeof issueSchema>;

const callId = z.string();
const customerRef = z.nullable(z.string());
const message = z.string();

/** Every answer of the save Function, by `status`. */
export const saveAnswerSchema = z.discriminatedUnion('status', [
  /** Saved with `calls.end`, and marked saved on the task. */
  z.object({ status: z.literal('saved'), call_id: callId, customer_ref: customerRef }),
  /** The API had an end for this call already (another task of the call, or the safety net). */
  z.object({ status: z.literal('already_saved'), call_id: callId, customer_ref: customerRef }),
  /** Stored on the task; `saveable: false` when nothing names the caller, so it stays there. */
  z.object({ status: z.literal('stored'), call_id: callId, saveable: z.boolean() }),
  /** The wrap-up or the request is wrong; `errors` name each problem. */
  z.object({ status: z.literal('invalid'), errors: z.array(issueSchema) }),
  /** The token, the worker or the task does not allow it; `code` says which. */
  z.object({ status: z.literal('forbidden'), code: z.string(), message }),
  /** A save for a task that has not completed: the completion did not go ahead (yet). */
  z.object({ status: z.literal('not_completed'), message }),
  /** TaskRouter no longer has the task (completed tasks are removed after a while). */
  z.object({ status: z.literal('task_gone'), message }),
  /** Twilio or the Sticky Calls API failed; `retryable` says whether trying again may work. */
  z.object({ status: z.literal('failed'), retryable: z.boolean(), code: z.string(), message }),
  /** The Function lacks a setting (its log says which). */
  z.object({ status: z.literal('not_configured'), message }),
]);

/** An answer of the save Function. */
export type SaveAnswer = z.output<typeof saveAnswerSchema>;

/** An answer's `status`. */
export type SaveAnswerStatus = SaveAnswer['status'];

/** The HTTP status of each answer. */
export const SAVE_ANSWER_HTTP_STATUS: { readonly [S in SaveAnswerStatus]: number } = {
  saved: 200,
  already_saved: 200,
  stored: 200,
  invalid: 400,
  forbidden: 403,
  not_completed: 409,
  task_gone: 410,
  failed: 502,
  not_configured: 503,
};

/** An answer as HTTP: its status code and its JSON body (with `retryable` on every answer). */
export function saveAnswer(answer: SaveAnswer): {
  readonly status: number;
  readonly body: SaveAnswer & { retryable: boolean };
} {
  return {
    status: SAVE_ANSWER_HTTP_STATUS[answer.status],
    body: {
      ...answer,
      retryable: answer.status === 'failed' ? answer.retryable : answer.status === 'not_completed',
    },
  };
}

/** Why a save did not happen, as the browser sees it. */
export type SaveFailureReason =
  /** No answer within the deadline. */
  | 'timeout'
  /** The Function could not be reached. */
  | 'network_error'
  /** The Function refused the agent's token or access to the task (403). */
  | 'forbidden'
  /** The Function refused the wrap-up (400); `issues` say why. */
  | 'invalid'
  /** The Function is missing its settings (503 `not_configured`). */
  | 'not_configured'
  /** The Function or the Sticky Calls API failed (5xx, 429). */
  | 'failed'
  /** The task has not completed: the completion did not go ahead. */
  | 'not_completed'
  /** TaskRouter removed the task before it was saved. */
  | 'task_gone'
  /** A 2xx that is not the save Function's answer (a wrong URL?): nothing says it saved. */
  | 'unexpected_answer';

/** One answer, read: done (saved, already saved or stored) or a failure with its reason. */
export type SaveAttemptOutcome =
  | {
      readonly ok: true;
      readonly status: 'saved' | 'already_saved' | 'stored';
      /** `false` when the wrap-up can only stay on the task (nothing names the caller). */
      readonly saveable: boolean;
    }
  | {
      readonly ok: false;
      readonly reason: SaveFailureReason;
      readonly retryable: boolean;
      readonly httpStatus: number | null;
      readonly issues?: readonly SaveAnswerIssue[];
    };

/**
 * Reads the save Function's answer. Only the Function's own answer counts as done: a
 * 2xx from anything else is `unexpected_answer`, since marking an unsaved wrap-up saved
 * would lose it. The body is copied before it is read (hostile objects are no answer).
 * Never throws.
 */
export function readSaveAnswer(httpStatus: number, body: unknown): SaveAttemptOutcome {
  // A body that cannot be copied whole is no answer of the Function's.
  const read = snapshot(body);
  const parsed = saveAnswerSchema.safeParse(read.ok ? read.value : undefined);
  const code = typeof httpStatus === 'number' ? httpStatus : Number.NaN;
  if (parsed.success && SAVE_ANSWER_HTTP_STATUS[parsed.data.status] === code) {
    const answer = parsed.data;
    switch (answer.status) {
      case 'saved':
      case 'already_saved':
        return { ok: true, status: answer.status, saveable: true };
      case 'stored':
        return { ok: true, status: 'stored', saveable: answer.saveable };
      case 'invalid':
        return { ok: false, reason: 'invalid', retryable: false, httpStatus: code, issues: answer.errors };
      case 'failed':
        return { ok: false, reason: 'failed', retryable: answer.retryable, httpStatus: code };
      case 'not_completed':
        return { ok: false, reason: 'not_completed', retryable: true, httpStatus: code };
      default:
        return { ok: false, reason: answer.status, retryable: false, httpStatus: code };
    }
  }
  if (code >= 200 && code < 300)
    return { ok: false, reason: 'unexpected_answer', retryable: false, httpStatus: code };
  if (code === 401 || code === 403)
    return { ok: false, reason: 'forbidden', retryable: false, httpStatus: code };
  if (code === 400 || code === 413 || code === 422)
    return { ok: false, reason: 'invalid', retryable: false, httpStatus: code };
  const retryable = code === 408 || code === 429 || code >= 500;
  return { ok: false, reason: 'failed', retryable, httpStatus: code };
}

/** An object, or its JSON text; `undefined` when absent, `null` when neither. */
function parseObject(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return isRecord(parsed) ? { ...parsed } : null;
}

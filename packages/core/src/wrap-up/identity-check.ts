/**
 * The agent's check of the caller's identity: when the match is not sure (the `confirm`
 * tier), the agent says whether the caller is the matched customer. The browser records
 * the outcome and when; the save Function adds who (the worker its token names), so the
 * record is bound to an authenticated agent, never to what a browser claims.
 */
import { isRecord } from '../objects.js';

/** What the agent decided: the caller is the matched customer, or is not. */
export const IDENTITY_CHECK_OUTCOMES = ['verified', 'rejected'] as const;

/** An outcome of an identity check. */
export type IdentityCheckOutcome = (typeof IDENTITY_CHECK_OUTCOMES)[number];

/** An identity check as the agent's browser records it. */
export interface IdentityCheck {
  readonly outcome: IdentityCheckOutcome;
  /** When the agent decided, as an ISO 8601 time. */
  readonly at: string;
}

/** How an identity was checked: `agent`, the agent confirmed it with the caller. */
export const IDENTITY_CHECK_METHODS = ['agent'] as const;

/** A method of an identity check. */
export type IdentityCheckMethod = (typeof IDENTITY_CHECK_METHODS)[number];

/**
 * An identity check as the save Function records it on the task: the agent's decision,
 * who made it (the worker the agent's token names) and how.
 */
export interface RecordedIdentityCheck extends IdentityCheck {
  /** The worker (`WK…`) whose token the save Function checked; never taken from a request. */
  readonly by?: string;
  readonly method?: IdentityCheckMethod;
}

/** A worker sid: `WK` and 32 hex digits. */
export const WORKER_SID_PATTERN = /^WK[0-9a-f]{32}$/i;

/**
 * Variables the save Function and the safety net write into `calls.end` themselves,
 * whatever a wrap-up holds under these names: when the contact happened, and who
 * verified the caller's identity, when and how.
 */
export const SERVER_VARIABLES = {
  /** When the call happened (the call's start, else the save's time), ISO 8601. */
  lastContact: 'last_contact_at',
  /** When the agent verified the caller's identity, ISO 8601. */
  verifiedAt: 'identity_verified_at',
  /** The worker (WK…) who verified it, as the agent's token names them. */
  verifiedBy: 'identity_verified_by',
  /** How it was verified: `agent` (the agent confirmed it with the caller). */
  verifiedHow: 'identity_verified_how',
} as const;

/** Names only the server writes: a wrap-up may not hold them. */
export const SERVER_VARIABLE_NAMES: ReadonlySet<string> = new Set(Object.values(SERVER_VARIABLES));

/** A stored or sent identity check, if it is one; anything else is `null`. Never throws. */
export function readIdentityCheck(value: unknown): IdentityCheck | null {
  if (!isRecord(value)) return null;
  const { outcome, at } = value;
  if (typeof outcome !== 'string' || !(IDENTITY_CHECK_OUTCOMES as readonly string[]).includes(outcome))
    return null;
  if (typeof at !== 'string' || at.length > 40 || Number.isNaN(Date.parse(at))) return null;
  return { outcome: outcome as IdentityCheckOutcome, at: new Date(at).toISOString() };
}

/** Options of {@link recordIdentityCheck}. */
export interface IdentityCheckRecording {
  /** The server's time, in milliseconds. */
  readonly now: number;
  /** When the call started (the task's caller context), if known. */
  readonly callStart?: string | null;
}

/**
 * The check as the save Function records it: by the worker its token check named, by the
 * agent, at a time no later than the server's now and no earlier than the call's start
 * (a browser's clock can be wrong, and its word is not a record's). Whatever the request
 * said of who and how is replaced.
 *
 * @example
 * recordIdentityCheck(fields.identity_check, workerSid, { now: Date.now(), callStart: call.call_start })
 */
export function recordIdentityCheck(
  check: IdentityCheck,
  workerSid: string,
  recording: IdentityCheckRecording,
): RecordedIdentityCheck {
  let at = Date.parse(check.at);
  if (Number.isNaN(at)) at = recording.now;
  const start = recording.callStart ? Date.parse(recording.callStart) : Number.NaN;
  if (!Number.isNaN(start) && at < start) at = start;
  if (at > recording.now) at = recording.now;
  return { outcome: check.outcome, at: new Date(at).toISOString(), by: workerSid, method: 'agent' };
}

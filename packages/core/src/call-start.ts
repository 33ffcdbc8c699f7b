/**
 * From what a telephony webhook knows about a call (Twilio's `CallSid`, `From`, `To`,
 * plus ids a flow may add) to `calls.start` params: withheld and non-phone callers are
 * never sent as `ani`, loose input (JSON text from Studio) is read, junk is dropped.
 */
import { type CallerNumberOptions, callerAni } from './caller-number.js';
import { isExternalIdName, LINE_TYPES, type LineType, type StartCallParams } from './contract.js';
import { isRecord, snapshot } from './objects.js';

/** What the webhook gave. Every field is read defensively. */
export interface CallStartInput {
  /** The call's id, e.g. Twilio's `CallSid`. */
  readonly callId: unknown;
  /** The caller's number (`From`). */
  readonly from: unknown;
  /** The dialled number (`To`), sent as `dnis`. */
  readonly to?: unknown;
  /** Stable ids (CRM id, account number): an object or its JSON. Never a per-call id. */
  readonly externalIds?: unknown;
  /** `mobile`, `landline`, `voip` or `unknown`; anything else is ignored. */
  readonly lineType?: unknown;
}

/** The params, or why there are none. */
export type CallStartParamsResult =
  | { readonly ok: true; readonly params: StartCallParams & { call_id: string } }
  | { readonly ok: false; readonly reason: 'invalid_request' | 'no_identity_hints' };

/**
 * `calls.start` params for a call, or the reason it cannot be looked up. The input is
 * copied before it is read: one that cannot be copied whole (throwing getters, proxies,
 * cycles) is an `invalid_request`. Never throws on what the webhook gave.
 *
 * @example
 * const start = callStartParams({ callId: event.CallSid, from: event.From, to: event.To });
 * if (start.ok) await sticky.calls.start(start.params);
 */
export function callStartParams(
  given: CallStartInput,
  options: CallerNumberOptions = {},
): CallStartParamsResult {
  const read = snapshot(given);
  if (!read.ok || !isRecord(read.value)) return { ok: false, reason: 'invalid_request' };
  const input: Partial<CallStartInput> = read.value;
  const callId = typeof input.callId === 'string' ? input.callId.trim() : '';
  if (callId === '' || callId.length > 128) return { ok: false, reason: 'invalid_request' };
  const ani = callerAni(input.from, options);
  const dnis = callerAni(input.to, options);
  const externalIds = readExternalIds(input.externalIds);
  if (ani === undefined && externalIds === undefined) return { ok: false, reason: 'no_identity_hints' };
  const lineType = readLineType(input.lineType);
  return {
    ok: true,
    params: {
      call_id: callId,
      identity_hints: {
        ...(ani ? { ani } : {}),
        ...(dnis ? { dnis } : {}),
        ...(externalIds ? { external_ids: externalIds } : {}),
      },
      ...(lineType ? { telco: { line_type: lineType } } : {}),
    },
  };
}

/**
 * External ids from an object or its JSON. Entries whose value is not a non-empty string
 * are dropped, and so are names `calls.start` would refuse (control, invisible or
 * bidirectional characters, `__proto__`, `constructor`, `prototype`): junk from a flow
 * should not cost the caller their lookup.
 */
function readExternalIds(value: unknown): Record<string, string> | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed).filter(
    (entry): entry is [string, string] =>
      isExternalIdName(entry[0]) && typeof entry[1] === 'string' && entry[1].trim() !== '',
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function readLineType(value: unknown): LineType | undefined {
  return typeof value === 'string' && (LINE_TYPES as readonly string[]).includes(value)
    ? (value as LineType)
    : undefined;
}

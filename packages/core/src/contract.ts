/**
 * The Sticky Calls API contract as zod schemas. Every request and response type
 * of the package is inferred from these, never written by hand.
 *
 * Requests are strict (unknown keys and bad values are refused before sending);
 * responses are lenient where the public docs disagree with themselves.
 *
 * Written with `zod/mini`: its functions tree-shake, which keeps the Flex bundle
 * small and a Twilio Function's cold load short.
 */
import * as z from 'zod/mini';
import { isE164, parseCallerNumber } from './caller-number.js';
import {
  type IdentityLevel,
  type IdentityTier,
  levelForConfidence,
  recommendationForConfidence,
} from './identity.js';

// ---------------------------------------------------------------------------
// Shared pieces

/** The three intent statuses the API documents; other strings pass through. */
export const INTENT_STATUSES = ['open', 'resolved', 'abandoned'] as const;
/** A documented intent status. */
export type KnownIntentStatus = (typeof INTENT_STATUSES)[number];

/** Telco line types the API scores (`mobile` weighs most). */
export const LINE_TYPES = ['mobile', 'landline', 'voip', 'unknown'] as const;

/** Runs `normalise` on the raw value, then validates the result with `schema`. */
function lenient<S extends z.ZodMiniType>(normalise: (value: unknown) => unknown, schema: S) {
  return z.pipe(z.transform(normalise), schema);
}

const callId = z
  .string({ error: 'call_id must be a string' })
  .check(
    z.minLength(1, 'call_id must not be empty'),
    z.maxLength(128, 'call_id must be at most 128 characters'),
  );

const nonEmpty = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .check(z.trim(), z.minLength(1, `${field} must not be empty`));

const identityHintsSchema = z
  .strictObject({
    /** Caller number in E.164; withheld and non-phone callers must be left out. */
    ani: z.optional(
      z
        .string({ error: 'ani must be a string' })
        .check(
          z.refine(
            (ani) => isE164(ani) && parseCallerNumber(ani).kind === 'phone',
            'ani must be the E.164 number of a real caller, such as +14155551234; leave withheld callers (anonymous, +266696687) out',
          ),
        ),
    ),
    /** The number that was dialled. */
    dnis: z.optional(nonEmpty('dnis')),
    /** Stable ids from your systems (CRM id, account number). */
    external_ids: z.optional(z.record(nonEmpty('external id name'), nonEmpty('external id'))),
    /** A `customer_ref` returned by an earlier call. */
    customer_ref: z.optional(nonEmpty('customer_ref')),
  })
  .check(
    z.refine(
      (hints) =>
        hints.ani !== undefined ||
        hints.customer_ref !== undefined ||
        (hints.external_ids !== undefined && Object.keys(hints.external_ids).length > 0),
      'identity_hints must include ani, external_ids, or customer_ref',
    ),
  );

const telcoSchema = z.strictObject({
  line_type: z.optional(z.enum(LINE_TYPES)),
});

// ---------------------------------------------------------------------------
// POST /v1/calls/start

/** Request body of `calls.start`. */
export const startCallParamsSchema = z.strictObject({
  /** Unique per call (Twilio's CallSid works), 1 to 128 characters. */
  call_id: callId,
  /** Who might be calling: at least one of `ani`, `external_ids`, `customer_ref`. */
  identity_hints: identityHintsSchema,
  /** Line type of the caller's number; `mobile` raises confidence. */
  telco: z.optional(telcoSchema),
});

// Response pieces are lenient: the docs disagree, and a degraded answer beats a failed call.

const numberOrNull = lenient((value) => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return null;
}, z.nullable(z.number()));

/** A confidence: numbers clamped to 0..1, `null` and anything unreadable as 0. */
export const confidenceSchema = z.pipe(
  numberOrNull,
  z.transform((value: number | null) => Math.min(1, Math.max(0, value ?? 0))),
);

const stringOrNull = lenient(
  (value) => (typeof value === 'string' && value !== '' ? value : null),
  z.nullable(z.string()),
);

const identitySchema = z.pipe(
  z.object({
    /** 0 to 1; `null` and missing are read as 0. */
    confidence: confidenceSchema,
    /** `very_high`, `high`, `medium`, `low`, or a newer value; derived from confidence when absent. */
    level: stringOrNull,
    /** Why the API matched, e.g. `ani:mobile`, `external_id`, `recency:1day`. */
    sources: lenient(
      (value) => (Array.isArray(value) ? value.filter((s) => typeof s === 'string') : []),
      z.array(z.string()),
    ),
    /** `reuse`, `confirm`, `ignore`, or a newer value; derived from confidence when absent. */
    recommendation: stringOrNull,
  }),
  z.transform(({ confidence, level, sources, recommendation }) => ({
    confidence,
    level: (level ?? levelForConfidence(confidence)) as IdentityLevel,
    sources,
    recommendation: (recommendation ?? recommendationForConfidence(confidence)) as
      | IdentityTier
      | (string & {}),
  })),
);

const openIntentSchema = z.object({
  intent: z.string().check(z.minLength(1)),
  status: lenient((value) => (typeof value === 'string' && value !== '' ? value : 'open'), z.string()),
  attempt_count: numberOrNull,
});

const storedVariableSchema = z.object({
  value: z.string(),
  source: stringOrNull,
  ttl_seconds: numberOrNull,
});

/** A plain value becomes `{value}`; objects without a usable value are dropped. */
function normaliseVariable(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { value: String(value) };
  }
  if (typeof value === 'object' && value !== null) {
    const inner = (value as { value?: unknown }).value;
    if (typeof inner === 'string' || typeof inner === 'number' || typeof inner === 'boolean') {
      return { ...value, value: String(inner) };
    }
  }
  return undefined;
}

/** Stored variables, normalised: plain values become `{value}`, unusable entries are dropped. */
export const storedVariablesSchema = lenient(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const entries = Object.entries(value).flatMap(([name, raw]) => {
      const normalised = normaliseVariable(raw);
      return normalised === undefined ? [] : [[name, normalised] as const];
    });
    return Object.fromEntries(entries);
  },
  z.record(z.string(), storedVariableSchema),
);

/** Open intents, normalised: entries without an intent name are dropped. */
export const openIntentsSchema = lenient(
  (value) =>
    Array.isArray(value)
      ? value.filter(
          (item) =>
            typeof item === 'object' &&
            item !== null &&
            typeof item.intent === 'string' &&
            item.intent !== '',
        )
      : [],
  z.array(openIntentSchema),
);

/** Response body of `calls.start`, normalised. */
export const startCallResponseSchema = z.object({
  call_id: z.optional(z.string()),
  /** Opaque customer id (a UUID on some pages, `cust_…` on others): never parse it. */
  customer_ref: z.string({ error: 'customer_ref is missing' }).check(z.minLength(1, 'customer_ref is empty')),
  /** ISO-8601 time the call started, as the API recorded it; `null` when absent. */
  call_start: stringOrNull,
  identity: lenient((value) => (typeof value === 'object' && value !== null ? value : {}), identitySchema),
  open_intents: openIntentsSchema,
  variables: storedVariablesSchema,
});

// ---------------------------------------------------------------------------
// POST /v1/calls/end

const intentStatusSchema = z.union(
  [
    z.enum(INTENT_STATUSES),
    // Newer statuses pass through; `string & {}` keeps editor completion for the known three.
    z.custom<string & {}>((value) => typeof value === 'string' && value.trim() !== ''),
  ],
  { error: 'intent_status must be open, resolved, abandoned or another non-empty string' },
);

/** Variable values are sent as strings; numbers and booleans are converted. */
const variableValueSchema = z.pipe(
  z.union([z.string(), z.number().check(z.refine(Number.isFinite, 'must be a finite number')), z.boolean()], {
    error: 'variable values must be strings, numbers or booleans',
  }),
  z.transform((value: string | number | boolean) => String(value)),
);

/** Request body of `calls.end`. */
export const endCallParamsSchema = z
  .strictObject({
    /** The same id that was sent to `calls.start`. */
    call_id: callId,
    /** The customer from `calls.start`: the normal way to name them. */
    customer_ref: z.optional(nonEmpty('customer_ref')),
    /** For an end without a start (batch, webhook flows): who the caller was. */
    identity_hints: z.optional(identityHintsSchema),
    /** What the call was about, as a slug such as `billing_inquiry`. */
    intent: z.optional(nonEmpty('intent')),
    /** `open` (counts an attempt), `resolved`, `abandoned`. */
    intent_status: z.optional(intentStatusSchema),
    /** Facts to remember, name → value; values are sent as strings. */
    variables: z.optional(z.record(nonEmpty('variable name'), variableValueSchema)),
  })
  .check(
    z.refine((params) => params.customer_ref !== undefined || params.identity_hints !== undefined, {
      message: 'calls.end needs customer_ref (from calls.start) or identity_hints',
      path: ['customer_ref'],
    }),
  );

const countOrNames = lenient(
  (value) =>
    (typeof value === 'number' && Number.isFinite(value)) ||
    (Array.isArray(value) && value.every((item) => typeof item === 'string'))
      ? value
      : null,
  z.union([z.number(), z.array(z.string()), z.null()]),
);

/** Response body of `calls.end`; every field is optional because a 2xx is a save whatever the body says. */
export const endCallResponseSchema = z.object({
  call_id: stringOrNull,
  customer_ref: stringOrNull,
  call_start: stringOrNull,
  call_end: stringOrNull,
  duration_seconds: numberOrNull,
  /** A count or a list of intent names, as the API sends it. */
  intents_updated: countOrNames,
  /** A count or a list of variable names, as the API sends it. */
  variables_updated: countOrNames,
});

/**
 * Maps the intent statuses people and older integrations send to the API's:
 * `closed` (the vendor's Flex guide) means `resolved`; case and spaces are ignored.
 *
 * @example
 * normalizeIntentStatus(' Closed ') // 'resolved'
 */
export function normalizeIntentStatus(value: string): IntentStatus {
  const status = value.trim().toLowerCase();
  return status === 'closed' ? 'resolved' : status;
}

// ---------------------------------------------------------------------------
// Types, inferred

/** What you pass to `calls.start`. */
export type StartCallParams = z.input<typeof startCallParamsSchema>;
/** What `calls.start` returns: normalised, with defaults filled in. */
export type StartCallResponse = z.output<typeof startCallResponseSchema> & { call_id: string };
/** Identity block of a start response. */
export type CallerIdentity = StartCallResponse['identity'];
/** One open intent of a start response. */
export type OpenIntent = StartCallResponse['open_intents'][number];
/** One stored variable of a start response. */
export type StoredVariable = StartCallResponse['variables'][string];
/** Identity hints, as sent to `calls.start` or `calls.end`. */
export type IdentityHints = z.input<typeof identityHintsSchema>;
/** Telco line type. */
export type LineType = (typeof LINE_TYPES)[number];
/** What you pass to `calls.end`. */
export type EndCallParams = z.input<typeof endCallParamsSchema>;
/** An intent status: one of the documented three, or a newer string. */
export type IntentStatus = z.input<typeof intentStatusSchema>;
/** The body `calls.end` sends, with variable values as strings. */
export type EndCallBody = z.output<typeof endCallParamsSchema>;
/** The API's answer to `calls.end`, normalised. */
export type EndCallResponse = z.output<typeof endCallResponseSchema>;

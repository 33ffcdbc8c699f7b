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
import { isRecord, setOwn } from './objects.js';
import { SERVER_VARIABLES } from './wrap-up/identity-check.js';
import { toValidationIssues } from './zod-issues.js';

// ---------------------------------------------------------------------------
// Shared pieces

/** The three intent statuses the API documents; other strings pass through. */
export const INTENT_STATUSES = ['open', 'resolved', 'abandoned'] as const;
/** A documented intent status. */
export type KnownIntentStatus = (typeof INTENT_STATUSES)[number];

/** Telco line types the API scores (`mobile` weighs most). */
export const LINE_TYPES = ['mobile', 'landline', 'voip', 'unknown'] as const;

// ---------------------------------------------------------------------------
// What a wrap-up may hold: one set of rules for the form, the save Function and the client

/**
 * Limits of a wrap-up, the same wherever one enters: the agent's form, the save
 * Function (`readSaveRequest`, `validateWrapUp`) and the client's `calls.end`: what the
 * validator passes, `calls.end` sends; what is over a limit is refused with the field
 * named, never cut or sent. Lengths count characters as JavaScript does (UTF-16 code units:
 * most emoji count two), after trimming and normalising.
 *
 * What names and intents may hold, and how values are normalised:
 * - an intent, a variable name or an external id name must show a letter, digit,
 *   punctuation mark or symbol, and may not hold control characters (line breaks and
 *   tabs included), format characters (zero-width spaces and joiners, soft hyphens,
 *   bidirectional marks, embeddings, overrides and isolates, word joiners, the byte
 *   order mark, tags), line or paragraph separators, lone surrogates, or characters
 *   that draw nothing (Hangul fillers, the braille blank);
 * - `__proto__`, `constructor` and `prototype` are never names: refused on the way in,
 *   and carried as ordinary names when an API answer holds one;
 * - a variable value keeps what people write, tidied: CR LF, CR, NEL and the line and
 *   paragraph separators become LF; other control characters (C0 and C1) except tab
 *   are removed; bidirectional embeddings, overrides and isolates (U+202A to U+202E,
 *   U+2066 to U+2069) are removed, since they reorder what an agent's screen shows
 *   after them; lone surrogates become U+FFFD. Zero-width joiners and non-joiners and
 *   the bidirectional marks (LRM, RLM, ALM) are kept: scripts and emoji need them. A
 *   value that shows nothing once normalised is refused as empty.
 */
export const WRAP_UP_LIMITS = {
  /** Longest intent. */
  intentLength: 128,
  /** Longest variable name. */
  variableNameLength: 64,
  /** Most variables in one wrap-up (the agent's note and disposition included). */
  variableCount: 50,
  /** Longest variable value, once normalised. */
  variableValueLength: 1000,
  /** Longest save request the save Function reads, as JSON (the runtime's `request` not counted). */
  saveRequestLength: 16384,
} as const;

/** Names an object cannot carry as plain own properties everywhere. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Characters that draw nothing though Unicode calls them letters or symbols. */
const BLANKS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
/** What no name may hold: see {@link WRAP_UP_LIMITS}. */
const UNSAFE_IN_NAMES = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]/u;
/** A character that shows: a letter, a digit, punctuation or a symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Whether text can be an intent or a name: something shows, and nothing hides or reorders it. */
export function isSafeName(text: string): boolean {
  return !UNSAFE_IN_NAMES.test(text) && VISIBLE.test(text);
}

/** Whether text shows anything: a letter, digit, punctuation mark or symbol that draws. */
export function showsText(text: string): boolean {
  return VISIBLE.test(text.replace(BLANKS, ''));
}

/**
 * A variable value as it is saved (see {@link WRAP_UP_LIMITS}): line breaks as LF, no
 * other control characters but tab, no bidirectional embeddings, overrides or isolates,
 * no lone surrogates.
 *
 * @example
 * normalizeValue('paid\r\nin full\u202E') // 'paid\nin full'
 */
export function normalizeValue(text: string): string {
  return text
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .replace(/[^\P{Cc}\t\n]|[\u202A-\u202E\u2066-\u2069]/gu, '')
    .replace(/\p{Cs}/gu, '\uFFFD');
}

/** What is wrong with a name a request gives (a variable's, an external id's), if anything. */
function nameProblem(what: string, name: string, maxLength?: number): string | undefined {
  if (RESERVED_NAMES.has(name)) return `${what} may not be __proto__, constructor or prototype`;
  if (name.trim() !== name || name === '') return `${what} must not be empty or start or end with a space`;
  if (maxLength !== undefined && name.length > maxLength)
    return `${what} must be at most ${maxLength} characters`;
  if (!isSafeName(name))
    return `${what} must show a letter, digit or sign, without control, invisible or bidirectional characters`;
  return undefined;
}

/** Whether a request may name an external id so: what `calls.start` sends. */
export function isExternalIdName(name: string): boolean {
  return nameProblem('external id name', name) === undefined;
}

/**
 * A record of name → value that keeps every name an own key, `__proto__` included:
 * zod's `z.record` leaves such a key out, which on a request would drop a variable
 * without a word and on an answer would lose one. Names are checked with `checkName`;
 * with `maxEntries`, more entries are one issue (their values unchecked).
 */
function ownRecord<V extends z.ZodMiniType>(
  value: V,
  options: {
    readonly error: string;
    readonly checkName?: (name: string) => string | undefined;
    readonly maxEntries?: { readonly limit: number; readonly message: (count: number) => string };
  },
) {
  return z.pipe(
    z.custom<Record<string, z.input<V>>>(isRecord, options.error),
    z.transform((input: Record<string, z.input<V>>, ctx) => {
      const output: Record<string, z.output<V>> = {};
      const names = Object.keys(input);
      const max = options.maxEntries;
      if (max !== undefined && names.length > max.limit) {
        ctx.issues.push({ code: 'custom', message: max.message(names.length), input });
        return output;
      }
      for (const name of names) {
        const problem = options.checkName?.(name);
        if (problem !== undefined) {
          ctx.issues.push({ code: 'custom', message: problem, input: name, path: [name] });
          continue;
        }
        const parsed = value.safeParse(input[name]);
        if (parsed.success) setOwn(output, name, parsed.data);
        else
          for (const issue of toValidationIssues(parsed.error, [name]))
            ctx.issues.push({
              code: 'custom',
              message: issue.message,
              input: input[name],
              path: [...issue.path],
            });
      }
      return output;
    }),
  );
}

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
    external_ids: z.optional(
      ownRecord(nonEmpty('external id'), {
        error: 'external_ids must be an object of name → id',
        checkName: (name) => nameProblem('external id name', name),
      }),
    ),
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

/**
 * Stored variables, normalised: plain values become `{value}`, unusable entries are
 * dropped. Every name is kept as an own key, `__proto__` included: the API may hold
 * variables of any name, and one the agent cannot see is one lost.
 */
export const storedVariablesSchema = z.transform((value: unknown) => {
  const variables: Record<string, z.output<typeof storedVariableSchema>> = {};
  if (!isRecord(value)) return variables;
  for (const name of Object.keys(value)) {
    const parsed = storedVariableSchema.safeParse(normaliseVariable(value[name]));
    if (parsed.success) setOwn(variables, name, parsed.data);
  }
  return variables;
});

/** Text values by name, every name an own key (`__proto__` included), for what the SDK writes on tasks. */
export function textRecord<V extends z.ZodMiniType>(value: V) {
  return ownRecord(value, { error: 'must be an object of name → value' });
}

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

/** Variable values are sent as strings, normalised (see {@link WRAP_UP_LIMITS}); numbers and booleans are converted. */
const variableValueSchema = z.pipe(
  z.pipe(
    z.union(
      [z.string(), z.number().check(z.refine(Number.isFinite, 'must be a finite number')), z.boolean()],
      {
        error: 'variable values must be strings, numbers or booleans',
      },
    ),
    z.transform((value: string | number | boolean) => normalizeValue(String(value))),
  ),
  z
    .string()
    .check(
      z.refine(
        showsText,
        'a variable value must show something once control and bidirectional characters are removed',
      ),
      z.maxLength(
        WRAP_UP_LIMITS.variableValueLength,
        `a variable value must be at most ${WRAP_UP_LIMITS.variableValueLength} characters`,
      ),
    ),
);

/** An intent as `calls.end` sends it: trimmed, within the limit, safe to show. */
const intentSchema = z
  .string({ error: 'intent must be a string' })
  .check(
    z.trim(),
    z.minLength(1, 'intent must not be empty'),
    z.maxLength(
      WRAP_UP_LIMITS.intentLength,
      `intent must be at most ${WRAP_UP_LIMITS.intentLength} characters`,
    ),
    z.refine(
      isSafeName,
      'intent must show a letter, digit or sign, without control, invisible or bidirectional characters',
    ),
  );

/**
 * Most variables one `calls.end` takes: a wrap-up's own (`WRAP_UP_LIMITS.variableCount`)
 * and the ones the save Function and the safety net write beside them (`SERVER_VARIABLES`:
 * `last_contact_at`, `identity_verified_at`, `_by`, `_how`), so a full wrap-up still saves.
 */
const END_CALL_VARIABLE_COUNT = WRAP_UP_LIMITS.variableCount + Object.keys(SERVER_VARIABLES).length;

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
    intent: z.optional(intentSchema),
    /** `open` (counts an attempt), `resolved`, `abandoned`. */
    intent_status: z.optional(intentStatusSchema),
    /** Facts to remember, name → value; values are sent as strings. */
    variables: z.optional(
      ownRecord(variableValueSchema, {
        error: 'variables must be an object of name → value',
        checkName: (name) => nameProblem('a variable name', name, WRAP_UP_LIMITS.variableNameLength),
        maxEntries: {
          limit: END_CALL_VARIABLE_COUNT,
          message: (count) => `at most ${END_CALL_VARIABLE_COUNT} variables, got ${count}`,
        },
      }),
    ),
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

/**
 * The caller context as it travels in TaskRouter task attributes. The writer
 * produces these shapes and the reader parses them: both use these schemas.
 */
import * as z from 'zod/mini';
import { textRecord } from '../contract.js';
import { isStickyCallsError, STICKY_CALLS_ERROR_CODES } from '../errors.js';
import type { IdentityLevel } from '../identity.js';

/** The key of the namespaced object in task attributes. */
export const ATTRIBUTE_KEY = 'sticky_calls';

/** Version of the namespaced layout; the reader refuses other versions. */
export const ATTRIBUTE_VERSION = 1;

/**
 * Why a context is degraded: an error code of the client, or
 * - `no_identity_hints`: nothing to look the caller up by (withheld number, no ids);
 * - `too_large`: the context could not fit the attribute budget even when cut down;
 * - `unknown`: an unexpected failure.
 */
export const DEGRADED_REASONS = [
  ...STICKY_CALLS_ERROR_CODES,
  'no_identity_hints',
  'too_large',
  'unknown',
] as const;

/** Why a context is degraded. */
export type DegradedReason = (typeof DEGRADED_REASONS)[number];

const KNOWN_REASONS: ReadonlySet<string> = new Set(DEGRADED_REASONS);

/**
 * The reason code for a caught error, or a reason code as it is. Anything else
 * (a foreign error, free text) is `unknown`: only known codes reach a task.
 *
 * @example
 * degradedReason(new APITimeoutError('start', 5000, 1)) // 'timeout'
 */
export function degradedReason(reason: unknown): DegradedReason {
  if (isStickyCallsError(reason)) return reason.code;
  return typeof reason === 'string' && KNOWN_REASONS.has(reason) ? (reason as DegradedReason) : 'unknown';
}

const intentSchema = z.object({
  intent: z.string(),
  status: z.string(),
  /** How many calls this intent has been open for; `null` when the API did not say. */
  attempts: z.nullable(z.number()),
});

/** The namespaced object (`sticky_calls`): compact, nested, what the agent needs. */
export const callerContextAttributeSchema = z.object({
  v: z.literal(ATTRIBUTE_VERSION),
  /** `ok`: looked up; `degraded`: the lookup did not happen or failed, see `reason`. */
  status: z.enum(['ok', 'degraded']),
  /** A {@link DegradedReason}; a newer code than this reader knows reads as `unknown`. */
  reason: z.nullable(
    z.pipe(
      z.string(),
      z.transform((value: string) => degradedReason(value)),
    ),
  ),
  customer_ref: z.nullable(z.string()),
  confidence: z.number().check(z.gte(0), z.lte(1)),
  level: z.nullable(z.custom<IdentityLevel>((value) => typeof value === 'string')),
  tier: z.enum(['reuse', 'confirm', 'ignore']),
  /** Why the API matched (`ani:mobile`, `external_id`); first to go when the budget is tight. */
  sources: z.array(z.string()),
  call_start: z.nullable(z.string()),
  intents: z.array(intentSchema),
  /** Stored variables, name → value, in the API's order; any name, `__proto__` included, is an own key. */
  vars: textRecord(z.string()),
  /** Whether anything was cut to fit the budget; `omitted` counts what. */
  truncated: z.boolean(),
  omitted: z.object({ variables: z.int().check(z.gte(0)), intents: z.int().check(z.gte(0)) }),
});

/** The namespaced object (`sticky_calls`) in task attributes. */
export type CallerContextAttribute = z.output<typeof callerContextAttributeSchema>;

/** An open intent as carried in the namespaced object. */
export type CallerContextIntent = z.output<typeof intentSchema>;

/**
 * What the writer returns: the vendor guide's flat keys, unchanged in meaning so
 * existing Studio flows and panels keep working, plus the namespaced object. The
 * key set is the same whether the lookup worked or not.
 */
export const callerContextAttributesSchema = z.object({
  /** `''` when degraded, as in the vendor's guide. */
  customer_ref: z.string(),
  identity_confidence: z.number(),
  /** The API's level; `'none'` when degraded, as in the vendor's guide. */
  identity_level: z.string(),
  /** JSON string of `{name: {value, source, ttl_seconds}}`, as in the vendor's guide. */
  variables: z.string(),
  /** JSON string of `[{intent, status, attempt_count}]`, as in the vendor's guide. */
  open_intents: z.string(),
  /** ISO-8601, or `''` when unknown. */
  call_start: z.string(),
  /** The namespaced object: pass it to Send to Flex with `| to_json`. */
  [ATTRIBUTE_KEY]: callerContextAttributeSchema,
});

/** The writer's output: flat keys of the vendor's guide plus the namespaced object. */
export type CallerContextAttributes = z.output<typeof callerContextAttributesSchema>;

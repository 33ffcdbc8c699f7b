/**
 * Task attributes → caller context, for the agent's UI. Reads the namespaced
 * object or, failing that, the vendor guide's flat keys; JSON strings or objects.
 * It never throws: whatever is on the task, the UI gets a state it can render.
 */
import { confidenceSchema, openIntentsSchema, storedVariablesSchema } from '../contract.js';
import { formatIssues } from '../errors.js';
import { identityTier, levelForConfidence, type TierOptions } from '../identity.js';
import { hasOwn, isRecord, snapshotJson } from '../objects.js';
import { toValidationIssues } from '../zod-issues.js';
import {
  ATTRIBUTE_KEY,
  ATTRIBUTE_VERSION,
  type CallerContextAttribute,
  callerContextAttributeSchema,
  type DegradedReason,
} from './schema.js';

/**
 * What a task says about its caller.
 *
 * - `absent`: no caller context on this task (not a Sticky Calls call, or not yet).
 * - `invalid`: something is there but unreadable; `problem` says what.
 * - `degraded`: the lookup did not happen or failed at call start; `reason` says why.
 * - `ready`: the context, from the namespaced object or the guide's flat keys (`layout`).
 */
export type CallerContextState =
  | { readonly state: 'absent' }
  | { readonly state: 'invalid'; readonly problem: string }
  | { readonly state: 'degraded'; readonly reason: DegradedReason }
  | {
      readonly state: 'ready';
      readonly context: CallerContextAttribute;
      readonly layout: 'namespaced' | 'flat';
    };

/** Options of {@link readCallerContext}. */
export interface ReaderOptions {
  /** Thresholds for the tier of a flat-layout context, which carries none. @default see {@link TierOptions} */
  tiers?: TierOptions;
}

const FLAT_KEYS = ['customer_ref', 'identity_confidence', 'identity_level', 'variables', 'open_intents'];

/**
 * Reads the caller context from a task's attributes (an object or its JSON string).
 * The attributes are copied before they are read: ones that cannot be copied whole
 * (throwing getters, proxies, cycles, nesting too deep) are invalid. Never throws.
 *
 * @example
 * const caller = readCallerContext(task.attributes);
 * if (caller.state === 'ready') show(caller.context.vars.name);
 */
export function readCallerContext(attributes: unknown, options: ReaderOptions = {}): CallerContextState {
  if (attributes === undefined || attributes === null || attributes === '') return { state: 'absent' };
  const copied = snapshotJson(attributes);
  if (!copied.ok)
    return {
      state: 'invalid',
      problem:
        copied.problem === 'not_json'
          ? 'the task attributes are not valid JSON'
          : 'the task attributes could not be read',
    };
  try {
    return read(copied.value, options);
  } catch {
    // Not reachable with a copy of plain data; kept so that a reader bug cannot break the UI.
    return { state: 'invalid', problem: 'the task attributes could not be read' };
  }
}

function read(record: unknown, options: ReaderOptions): CallerContextState {
  if (!isRecord(record)) return { state: 'invalid', problem: 'the task attributes are not an object' };

  const namespaced = hasOwn(record, ATTRIBUTE_KEY) ? readNamespaced(record[ATTRIBUTE_KEY]) : undefined;
  if (namespaced?.state === 'ready' || namespaced?.state === 'degraded') return namespaced;
  const hasFlat = FLAT_KEYS.some((key) => hasOwn(record, key));
  // An unreadable namespaced object falls back to the flat keys when they are there.
  if (hasFlat) return readFlat(record, options);
  return namespaced ?? { state: 'absent' };
}

function readNamespaced(raw: unknown): CallerContextState {
  const parsed = typeof raw === 'string' ? parseJson(raw) : { value: raw };
  if (parsed === undefined) return { state: 'invalid', problem: `${ATTRIBUTE_KEY} is not valid JSON` };
  const value = parsed.value;
  if (isRecord(value) && value.v !== undefined && value.v !== ATTRIBUTE_VERSION) {
    return {
      state: 'invalid',
      problem: `${ATTRIBUTE_KEY} has layout version ${String(value.v)}; this reader knows ${ATTRIBUTE_VERSION}`,
    };
  }
  const result = callerContextAttributeSchema.safeParse(value);
  if (!result.success) {
    return { state: 'invalid', problem: formatIssues(toValidationIssues(result.error, [ATTRIBUTE_KEY])) };
  }
  const context = result.data;
  if (context.status === 'degraded') return { state: 'degraded', reason: context.reason ?? 'unknown' };
  if (context.customer_ref === null) {
    return { state: 'invalid', problem: `${ATTRIBUTE_KEY}.customer_ref is missing on an ok context` };
  }
  return { state: 'ready', context, layout: 'namespaced' };
}

/** The vendor guide's keys: `variables` and `open_intents` as JSON strings (or objects). */
function readFlat(record: Record<string, unknown>, options: ReaderOptions): CallerContextState {
  const customerRef = record.customer_ref;
  if (customerRef === '' || record.identity_level === 'none') return { state: 'degraded', reason: 'unknown' };
  if (typeof customerRef !== 'string')
    return { state: 'invalid', problem: 'customer_ref is missing or not a string' };

  const variablesRaw =
    typeof record.variables === 'string' ? parseJson(record.variables) : { value: record.variables };
  if (variablesRaw === undefined) return { state: 'invalid', problem: 'variables is not valid JSON' };
  const intentsRaw =
    typeof record.open_intents === 'string' ? parseJson(record.open_intents) : { value: record.open_intents };
  if (intentsRaw === undefined) return { state: 'invalid', problem: 'open_intents is not valid JSON' };

  const confidence = confidenceSchema.parse(record.identity_confidence);
  const level =
    typeof record.identity_level === 'string' && record.identity_level !== '' ? record.identity_level : null;
  const variables = storedVariablesSchema.parse(variablesRaw.value);
  const intents = openIntentsSchema.parse(intentsRaw.value);
  const callStart =
    typeof record.call_start === 'string' && record.call_start !== '' ? record.call_start : null;

  return {
    state: 'ready',
    layout: 'flat',
    context: {
      v: ATTRIBUTE_VERSION,
      status: 'ok',
      reason: null,
      customer_ref: customerRef,
      confidence,
      level: level ?? levelForConfidence(confidence),
      tier: identityTier({ confidence }, options.tiers),
      sources: [],
      call_start: callStart,
      intents: intents.map((intent) => ({
        intent: intent.intent,
        status: intent.status,
        attempts: intent.attempt_count,
      })),
      // fromEntries defines own keys: a variable named __proto__ stays a variable.
      vars: Object.fromEntries(Object.entries(variables).map(([name, variable]) => [name, variable.value])),
      truncated: false,
      omitted: { variables: 0, intents: 0 },
    },
  };
}

/**
 * A task's attributes as a record: a copy of the object, or parsed from its JSON text
 * (as TaskRouter events carry them). `undefined` for anything else: invalid JSON, an
 * array, a primitive, or an object that cannot be copied whole (throwing getters,
 * proxies, cycles, nesting too deep). Never throws.
 *
 * @example
 * taskAttributes('{"call_sid":"CA1"}') // { call_sid: 'CA1' }
 */
export function taskAttributes(attributes: unknown): Record<string, unknown> | undefined {
  const copied = snapshotJson(attributes);
  return copied.ok && isRecord(copied.value) ? copied.value : undefined;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

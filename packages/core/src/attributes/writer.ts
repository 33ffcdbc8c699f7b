/**
 * Start response → task attributes, within a character budget.
 *
 * TaskRouter refuses a task whose attributes exceed 4,096 characters, and Flex adds
 * its own attributes (conference, transfers, wrap-up) to the same object. So each
 * layout is measured as serialised and, when the context is larger than its budget,
 * what matters least goes first: match sources, then very long values, then
 * variables and intents in reverse order of importance. What was cut is counted.
 */
import type { OpenIntent, StartCallResponse, StoredVariable } from '../contract.js';
import { ConfigurationError } from '../errors.js';
import { type IdentityTier, identityTier, type TierOptions } from '../identity.js';
import { stripUndefined } from '../objects.js';
import { shownSetting } from '../redact.js';
import {
  ATTRIBUTE_KEY,
  ATTRIBUTE_VERSION,
  type CallerContextAttribute,
  type CallerContextAttributes,
  type DegradedReason,
  degradedReason,
} from './schema.js';

/** TaskRouter's hard limit on serialised task attributes. */
export const TASK_ATTRIBUTES_LIMIT = 4096;

/**
 * Characters always left to Flex's own attributes (call_sid, from, to, conference,
 * transfers) and the wrap-up: the two layouts together never take more than the rest.
 */
export const FLEX_ATTRIBUTES_RESERVE = 512;

/** Options of {@link toTaskAttributes} and {@link degradedTaskAttributes}. */
export interface AttributeWriterOptions {
  /**
   * Most characters the namespaced object (`sticky_calls`) may take, serialised.
   * With `flatBudget`, at most 3,584 (TaskRouter's 4,096 less
   * {@link FLEX_ATTRIBUTES_RESERVE}), so a flow that copies both layouts onto a task
   * still leaves room for Flex's own attributes.
   * @default 2048
   */
  budget?: number;
  /**
   * Most characters the vendor guide's flat keys may take together, serialised.
   * @default 1024
   */
  flatBudget?: number;
  /**
   * Variables kept longest when the budget is tight, most important first.
   * @default ['name', 'summary', 'disposition', 'status', 'amount']
   */
  priorityVariables?: readonly string[];
  /**
   * When the budget is tight, variable values longer than this are cut (ending in `…`)
   * before any variable is dropped.
   * @default 256
   */
  maxValueLength?: number;
  /** Thresholds for the `tier` written with the context. @default see {@link TierOptions} */
  tiers?: TierOptions;
}

const DEFAULTS = {
  budget: 2048,
  flatBudget: 1024,
  priorityVariables: ['name', 'summary', 'disposition', 'status', 'amount'] as readonly string[],
  maxValueLength: 256,
  tiers: {} as TierOptions,
};
const MIN_BUDGET = 512;

type ResolvedWriterOptions = typeof DEFAULTS;

/**
 * Checks writer options once (say, when a Function handler is created), so that a
 * bad budget fails at start-up rather than on a call.
 *
 * @throws ConfigurationError naming the bad option.
 */
export function resolveAttributeWriterOptions(options: AttributeWriterOptions = {}): ResolvedWriterOptions {
  const resolved = { ...DEFAULTS, ...stripUndefined(options) };
  for (const name of ['budget', 'flatBudget'] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < MIN_BUDGET || value > TASK_ATTRIBUTES_LIMIT) {
      throw new ConfigurationError(
        `${name} must be a whole number of characters from ${MIN_BUDGET} to ${TASK_ATTRIBUTES_LIMIT}, got ${shownSetting(value)}`,
      );
    }
  }
  const room = TASK_ATTRIBUTES_LIMIT - FLEX_ATTRIBUTES_RESERVE;
  if (resolved.budget + resolved.flatBudget > room) {
    throw new ConfigurationError(
      `budget + flatBudget must be at most ${room} characters, leaving ${FLEX_ATTRIBUTES_RESERVE} to Flex; got ${resolved.budget} + ${resolved.flatBudget}`,
    );
  }
  if (!Number.isInteger(resolved.maxValueLength) || resolved.maxValueLength < 16) {
    throw new ConfigurationError(
      `maxValueLength must be a whole number of 16 or more, got ${String(resolved.maxValueLength)}`,
    );
  }
  return resolved;
}

/**
 * Task attributes for a caller, from a `calls.start` response.
 *
 * @example
 * const attributes = toTaskAttributes(await sticky.calls.start(params));
 * // Studio: {"sticky_calls": {{widgets.caller_context.parsed.sticky_calls | to_json}}}
 */
export function toTaskAttributes(
  response: StartCallResponse,
  options?: AttributeWriterOptions,
): CallerContextAttributes {
  const resolved = resolveAttributeWriterOptions(options);
  const context: Context = {
    customerRef: response.customer_ref,
    confidence: response.identity.confidence,
    level: response.identity.level,
    tier: identityTier(response.identity, resolved.tiers),
    sources: response.identity.sources,
    callStart: response.call_start,
    intents: response.open_intents,
    variables: Object.entries(response.variables),
  };
  const order = keepOrder(context, resolved.priorityVariables);

  const { budget, flatBudget, maxValueLength } = resolved;
  const namespaced = fit(order, budget, maxValueLength, (selection) => renderNamespaced(context, selection));
  const flat = fit(order, flatBudget, maxValueLength, (selection) => renderFlat(context, selection));
  return {
    ...(flat ?? DEGRADED_FLAT),
    [ATTRIBUTE_KEY]: namespaced ?? degradedNamespaced('too_large'),
  };
}

/**
 * Task attributes when there is no context: the API failed, or the caller could not
 * be looked up. Same keys as {@link toTaskAttributes}, with `status: 'degraded'` and
 * a reason code, so flows and panels need no special case.
 *
 * @param reason the error that was caught (its `code` is used) or a {@link DegradedReason};
 *   anything else is written as `unknown`, so no free text reaches the task.
 * @example
 * catch (error) { return degradedTaskAttributes(error); }
 */
export function degradedTaskAttributes(reason: unknown): CallerContextAttributes {
  return { ...DEGRADED_FLAT, [ATTRIBUTE_KEY]: degradedNamespaced(degradedReason(reason)) };
}

// ---------------------------------------------------------------------------

interface Context {
  readonly customerRef: string;
  readonly confidence: number;
  readonly level: string;
  readonly tier: IdentityTier;
  readonly sources: readonly string[];
  readonly callStart: string | null;
  readonly intents: readonly OpenIntent[];
  readonly variables: readonly (readonly [string, StoredVariable])[];
}

interface Selection {
  readonly sources: boolean;
  readonly maxValueLength: number | undefined;
  readonly intents: ReadonlySet<number>;
  readonly variables: ReadonlySet<string>;
}

type Item = { readonly intent: number } | { readonly variable: string };

const DEGRADED_FLAT: FlatAttributes = {
  customer_ref: '',
  identity_confidence: 0,
  identity_level: 'none',
  variables: '{}',
  open_intents: '[]',
  call_start: '',
};

function degradedNamespaced(reason: DegradedReason): CallerContextAttribute {
  return {
    v: ATTRIBUTE_VERSION,
    status: 'degraded',
    reason,
    customer_ref: null,
    confidence: 0,
    level: null,
    tier: 'ignore',
    sources: [],
    call_start: null,
    intents: [],
    vars: {},
    truncated: false,
    omitted: { variables: 0, intents: 0 },
  };
}

/**
 * What to keep first when cutting: the first open intent, the priority variables,
 * two more intents, the other variables in the API's order, then the remaining intents.
 */
function keepOrder(context: Context, priority: readonly string[]): Item[] {
  const names = new Set(context.variables.map(([name]) => name));
  const firstPriority = priority.filter((name) => names.has(name));
  const prioritySet = new Set(firstPriority);
  const intents = context.intents.map((_, index) => ({ intent: index }));
  return [
    ...intents.slice(0, 1),
    ...firstPriority.map((variable) => ({ variable })),
    ...intents.slice(1, 3),
    ...context.variables.filter(([name]) => !prioritySet.has(name)).map(([variable]) => ({ variable })),
    ...intents.slice(3),
  ];
}

function select(order: readonly Item[], count: number, sources: boolean, maxValueLength?: number): Selection {
  const intents = new Set<number>();
  const variables = new Set<string>();
  for (const item of order.slice(0, count)) {
    if ('intent' in item) intents.add(item.intent);
    else variables.add(item.variable);
  }
  return { sources, maxValueLength, intents, variables };
}

/** The largest selection whose rendering fits `limit`, or `undefined` when not even the bare context fits. */
function fit<T>(
  order: readonly Item[],
  limit: number,
  maxValueLength: number,
  render: (selection: Selection) => T,
): T | undefined {
  const fits = (value: T): boolean => JSON.stringify(value).length <= limit;
  const full = render(select(order, order.length, true));
  if (fits(full)) return full;
  const withoutSources = render(select(order, order.length, false));
  if (fits(withoutSources)) return withoutSources;

  // Rendering grows with every item kept, so binary search the longest prefix of the
  // keep order that fits, long values cut.
  const attempt = (count: number): T => render(select(order, count, false, maxValueLength));
  if (!fits(attempt(0))) return undefined;
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(attempt(middle))) low = middle;
    else high = middle - 1;
  }
  return attempt(low);
}

function cut(value: string, max: number | undefined): string {
  return max !== undefined && value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function renderNamespaced(context: Context, selection: Selection): CallerContextAttribute {
  const intents = context.intents.filter((_, index) => selection.intents.has(index));
  const variables = context.variables.filter(([name]) => selection.variables.has(name));
  const omitted = {
    variables: context.variables.length - variables.length,
    intents: context.intents.length - intents.length,
  };
  return {
    v: ATTRIBUTE_VERSION,
    status: 'ok',
    reason: null,
    customer_ref: context.customerRef,
    confidence: context.confidence,
    level: context.level,
    tier: context.tier,
    sources: selection.sources ? [...context.sources] : [],
    call_start: context.callStart,
    intents: intents.map((intent) => ({
      intent: intent.intent,
      status: intent.status,
      attempts: intent.attempt_count,
    })),
    vars: Object.fromEntries(
      variables.map(([name, variable]) => [name, cut(variable.value, selection.maxValueLength)]),
    ),
    truncated:
      omitted.variables + omitted.intents > 0 ||
      (!selection.sources && context.sources.length > 0) ||
      variables.some(([, variable]) => cut(variable.value, selection.maxValueLength) !== variable.value),
    omitted,
  };
}

type FlatAttributes = Omit<CallerContextAttributes, typeof ATTRIBUTE_KEY>;

function renderFlat(context: Context, selection: Selection): FlatAttributes {
  const variables = context.variables
    .filter(([name]) => selection.variables.has(name))
    .map(([name, variable]) => [
      name,
      {
        value: cut(variable.value, selection.maxValueLength),
        source: variable.source,
        ttl_seconds: variable.ttl_seconds,
      },
    ]);
  return {
    customer_ref: context.customerRef,
    identity_confidence: context.confidence,
    identity_level: context.level,
    variables: JSON.stringify(Object.fromEntries(variables)),
    open_intents: JSON.stringify(context.intents.filter((_, index) => selection.intents.has(index))),
    call_start: context.callStart ?? '',
  };
}

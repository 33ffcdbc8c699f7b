/**
 * What the panel shows, derived from a task's attributes by the core's reader: one
 * place, free of React, so the hook is a memo over it and tests need no DOM.
 */
import {
  type CallerContextAttribute,
  type CallerNumber,
  type DegradedReason,
  type IdentityTier,
  identityTier,
  parseCallerNumber,
  readCallerContext,
  SERVER_VARIABLE_NAMES,
  SERVER_VARIABLES,
  type TierOptions,
  taskAttributes,
} from '@stickycalls/core';

/** A stored variable as a row. */
export interface VariableRow {
  readonly name: string;
  readonly value: string;
}

/** An open intent as a row; `repeat` when the caller has raised it on an earlier call. */
export interface IntentRow {
  readonly intent: string;
  readonly status: string;
  readonly attempts: number | null;
  readonly repeat: boolean;
}

/** The suggested next step, by kind; the panel words it. */
export type Suggestion =
  | { readonly kind: 'verify'; readonly intent: string | null }
  | { readonly kind: 'follow_up'; readonly intent: string; readonly attempts: number }
  | { readonly kind: 'ask_open'; readonly intent: string }
  | { readonly kind: 'welcome_back' }
  | { readonly kind: 'new_caller' };

/** How recent the caller's last contact was, from the match's `recency:*` sources. */
export type LastContact = 'day' | 'week' | 'month';

interface Common {
  /** The caller's number from the task (`from`, or `caller`), parsed. */
  readonly caller: CallerNumber | null;
}

/** The caller context of a task, ready to show. */
export type CallerContextView =
  | (Common & { readonly state: 'absent'; readonly tier: null })
  | (Common & { readonly state: 'invalid'; readonly tier: null; readonly problem: string })
  | (Common & { readonly state: 'degraded'; readonly tier: null; readonly reason: DegradedReason })
  | (Common & {
      readonly state: 'ready';
      readonly tier: IdentityTier;
      readonly context: CallerContextAttribute;
      readonly layout: 'namespaced' | 'flat';
      readonly customerRef: string;
      readonly confidence: number;
      readonly level: string | null;
      readonly callStart: Date | null;
      readonly lastContact: LastContact | null;
      /**
       * When the caller last called, as the save Function recorded it (`last_contact_at`);
       * `null` without it, and for the `ignore` tier.
       */
      readonly lastContactAt: Date | null;
      /**
       * When an agent last verified this customer's identity on a call
       * (`identity_verified_at`); `null` without it, and for the `ignore` tier.
       */
      readonly identityVerifiedAt: Date | null;
      /**
       * Empty for the `ignore` tier: a weak match's data may be someone else's. The
       * variables only the server writes (`last_contact_at`, `identity_verified_*`) are
       * facts of their own, never rows.
       */
      readonly variables: readonly VariableRow[];
      /** Empty for the `ignore` tier, like `variables`. */
      readonly intents: readonly IntentRow[];
      readonly suggestion: Suggestion;
      readonly truncated: boolean;
      readonly omitted: { readonly variables: number; readonly intents: number };
    });

/** Options of {@link callerContextView} and `useCallerContext`. */
export interface CallerContextOptions {
  /** Thresholds for the identity tier. @default core's `identityTier` defaults (reuse ≥ 0.5, confirm ≥ 0.3) */
  tiers?: TierOptions;
}

/**
 * The view of a task's caller context. Never throws, whatever the attributes hold.
 *
 * @example
 * const view = callerContextView(task.attributes);
 * if (view.state === 'ready' && view.tier === 'confirm') askToVerify();
 */
export function callerContextView(
  attributes: unknown,
  options: CallerContextOptions = {},
): CallerContextView {
  const caller = callerOf(attributes);
  const read = readCallerContext(attributes, options.tiers === undefined ? {} : { tiers: options.tiers });
  switch (read.state) {
    case 'absent':
      return { state: 'absent', tier: null, caller };
    case 'invalid':
      return { state: 'invalid', tier: null, caller, problem: read.problem };
    case 'degraded':
      return { state: 'degraded', tier: null, caller, reason: read.reason };
    case 'ready':
      break;
  }
  const context = read.context;
  const tier = identityTier({ confidence: context.confidence, recommendation: context.tier }, options.tiers);
  const trusted = tier !== 'ignore';
  const intents: IntentRow[] = trusted
    ? context.intents.map((intent) => ({
        intent: intent.intent,
        status: intent.status,
        attempts: intent.attempts,
        repeat: (intent.attempts ?? 0) >= 2,
      }))
    : [];
  return {
    state: 'ready',
    tier,
    caller,
    context,
    layout: read.layout,
    customerRef: context.customer_ref ?? '',
    confidence: context.confidence,
    level: context.level,
    callStart: dateOf(context.call_start),
    lastContact: lastContactOf(context.sources),
    lastContactAt: trusted ? isoDateOf(ownValue(context.vars, SERVER_VARIABLES.lastContact)) : null,
    identityVerifiedAt: trusted ? isoDateOf(ownValue(context.vars, SERVER_VARIABLES.verifiedAt)) : null,
    variables: trusted
      ? Object.keys(context.vars)
          .filter((name) => !SERVER_VARIABLE_NAMES.has(name))
          .map((name) => ({ name, value: context.vars[name] ?? '' }))
      : [],
    intents,
    suggestion: suggestNextStep(tier, intents),
    truncated: context.truncated,
    omitted: context.omitted,
  };
}

/**
 * The next step for a tier and its open intents: the panel asks again with `reuse` once
 * the agent has verified a `confirm`-tier caller, and with `ignore` once they said it is
 * not the customer.
 *
 * @example
 * suggestNextStep('reuse', view.intents) // { kind: 'follow_up', intent: 'refund_request', attempts: 3 }
 */
export function suggestNextStep(tier: IdentityTier, intents: readonly IntentRow[]): Suggestion {
  // The most-raised open intent is the one to pick up first.
  const open = intents.filter((intent) => intent.status === 'open' || intent.status === '');
  const top = open.reduce<IntentRow | undefined>(
    (best, intent) => (best === undefined || (intent.attempts ?? 0) > (best.attempts ?? 0) ? intent : best),
    undefined,
  );
  if (tier === 'ignore') return { kind: 'new_caller' };
  if (tier === 'confirm') return { kind: 'verify', intent: top?.intent ?? null };
  if (top === undefined) return { kind: 'welcome_back' };
  if (top.repeat) return { kind: 'follow_up', intent: top.intent, attempts: (top.attempts ?? 1) + 1 };
  return { kind: 'ask_open', intent: top.intent };
}

const UNIT_DAYS: Readonly<Record<string, number>> = { h: 1 / 24, d: 1, w: 7, m: 30 };

/** `recency:1day` → 1, `recency:7days` → 7, `recency:2weeks` → 14; `null` for other sources. */
function recencyDays(source: string): number | null {
  const match = /^recency:(\d+)\s*(h|d|w|m)/i.exec(source.replace(/^recency:(?=[a-z])/i, 'recency:1'));
  if (match === null) return null;
  return Number(match[1]) * (UNIT_DAYS[(match[2] ?? '').toLowerCase()] ?? 30);
}

function lastContactOf(sources: readonly string[]): LastContact | null {
  const days = sources.map(recencyDays).filter((value): value is number => value !== null);
  if (days.length === 0) return null;
  const closest = Math.min(...days);
  return closest <= 1 ? 'day' : closest <= 7 ? 'week' : 'month';
}

/**
 * The caller's name: the stored variable `nameVariable` (trimmed), or `null` when there
 * is none, it is blank, or the view is not ready. Own properties only, so `constructor`
 * is never a name.
 *
 * @example
 * callerName(view, 'full_name') // 'Dana Scully'
 */
export function callerName(view: CallerContextView, nameVariable = 'name'): string | null {
  if (view.state !== 'ready' || view.tier === 'ignore') return null;
  const value = ownValue(view.context.vars, nameVariable);
  return value === null || value.trim() === '' ? null : value.trim();
}

/** A stored variable's value, own properties only (a name such as `toString` is not inherited). */
function ownValue(vars: Readonly<Record<string, string>>, name: string): string | null {
  // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers Flex supports
  if (!Object.prototype.hasOwnProperty.call(vars, name)) return null;
  const value = vars[name];
  return typeof value === 'string' ? value : null;
}

/** A time the save Function wrote (ISO 8601); anything else, such as `3 Dec`, is no time. */
function isoDateOf(value: string | null): Date | null {
  return value !== null && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value.trim()) ? dateOf(value.trim()) : null;
}

function dateOf(value: string | null): Date | null {
  if (value === null) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function callerOf(attributes: unknown): CallerNumber | null {
  const record = taskAttributes(attributes);
  if (record === undefined) return null;
  const from = readKey(record, 'from') ?? readKey(record, 'caller');
  return typeof from === 'string' && from !== '' ? parseCallerNumber(from) : null;
}

function readKey(record: object, key: string): unknown {
  try {
    // Own properties only; Object.hasOwn is newer than the ES2019 this package targets.
    return Object.getOwnPropertyDescriptor(record, key) !== undefined
      ? (record as Record<string, unknown>)[key]
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A phone number for reading aloud: North American numbers as `+1 415-555-1234`,
 * others in E.164 with the `+` and digits unchanged.
 */
export function formatPhoneNumber(e164: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `+1 ${nanp[1]}-${nanp[2]}-${nanp[3]}` : e164;
}

/** `refund_request` → `Refund request`, for reading; the slug itself is kept in a `title`. */
export function humanize(slug: string): string {
  const words = slug.replace(/[_\-.]+/g, ' ').trim();
  return words === '' ? slug : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * How the panel words counts and times: one place, so the intent list and the
 * suggestion say a repeat the same way, and every time reads in the agent's locale.
 */
import { DEFAULT_STRINGS, fillTemplate, type StickyCallsStrings } from './strings.js';

type OrdinalKey =
  | 'StickyCallsCallCount_one'
  | 'StickyCallsCallCount_two'
  | 'StickyCallsCallCount_few'
  | 'StickyCallsCallCount_other';

const ORDINAL_KEYS: Readonly<Record<string, OrdinalKey>> = {
  one: 'StickyCallsCallCount_one',
  two: 'StickyCallsCallCount_two',
  few: 'StickyCallsCallCount_few',
};

let agentOrdinals: Intl.PluralRules | null = null;
let englishOrdinals: Intl.PluralRules | null = null;

function ordinalRules(english: boolean): Intl.PluralRules | null {
  try {
    if (english) englishOrdinals = englishOrdinals ?? new Intl.PluralRules('en', { type: 'ordinal' });
    else agentOrdinals = agentOrdinals ?? new Intl.PluralRules(undefined, { type: 'ordinal' });
    return english ? englishOrdinals : agentOrdinals;
  } catch {
    return null;
  }
}

/**
 * How many calls about an intent there have been, this one included ("3rd call about
 * this"); `null` for a count that is not a whole number of calls. The English defaults
 * follow English ordinals; once `StickyCallsCallCount_other` is overridden, the agent's
 * locale picks the form, and a form (`_one`, `_two`, `_few`) still in English gives way
 * to `_other`.
 *
 * @example
 * callCountText(strings, intent.attempts + 1) // '3rd call about this'
 */
export function callCountText(strings: StickyCallsStrings, count: number): string | null {
  if (!Number.isSafeInteger(count) || count < 1) return null;
  const translated = strings.StickyCallsCallCount_other !== DEFAULT_STRINGS.StickyCallsCallCount_other;
  const category = ordinalRules(!translated)?.select(count) ?? 'other';
  let template = strings.StickyCallsCallCount_other;
  // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers Flex supports
  const key = Object.prototype.hasOwnProperty.call(ORDINAL_KEYS, category)
    ? ORDINAL_KEYS[category]
    : undefined;
  if (key !== undefined && (!translated || strings[key] !== DEFAULT_STRINGS[key])) template = strings[key];
  return fillTemplate(template, { count });
}

/** The calls about an intent that has been raised on `attempts` earlier calls, worded. */
export function attemptsText(strings: StickyCallsStrings, attempts: number | null): string | null {
  return attempts === null ? null : callCountText(strings, attempts + 1);
}

function localDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Whole calendar days from `date` to `now`, in the agent's time zone (0: the same day). */
function daysAgo(date: Date, now: Date): number {
  return Math.round((localDay(now) - localDay(date)) / 86_400_000);
}

/**
 * The agent's date formats, each built once for the page's life: building one costs far
 * more than using it, and a mount of the panel formats up to three dates. Keyed by the
 * options objects below (the locale is always the browser's), so there are six at most.
 */
const dateFormats = new Map<Intl.DateTimeFormatOptions, Intl.DateTimeFormat>();

/** `date` in the format of `options`, or its ISO form where the browser cannot format it. */
function formatted(date: Date, options: Intl.DateTimeFormatOptions): string {
  try {
    let format = dateFormats.get(options);
    if (format === undefined) {
      format = new Intl.DateTimeFormat(undefined, options);
      dateFormats.set(options, format);
    }
    return format.format(date);
  } catch {
    return date.toISOString();
  }
}

const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
const DAY_OF_YEAR: Intl.DateTimeFormatOptions = { ...DAY, year: 'numeric' };
const DAY_AND_CLOCK: Intl.DateTimeFormatOptions = { ...DAY, ...CLOCK };
const DAY_AND_CLOCK_OF_YEAR: Intl.DateTimeFormatOptions = { ...DAY_AND_CLOCK, year: 'numeric' };
const DATE_AND_TIME: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };

/** `14:05` (or `2:05 PM`), in the agent's locale. */
export function clockText(date: Date): string {
  return formatted(date, CLOCK);
}

/** `3 Dec` (this year) or `3 Dec 2024`, in the agent's locale. */
export function dayText(date: Date, now: Date = new Date()): string {
  return formatted(date, date.getFullYear() === now.getFullYear() ? DAY : DAY_OF_YEAR);
}

/** `3 Dec, 14:05`, with the year when it is not this one. */
function dayAndClockText(date: Date, now: Date): string {
  return formatted(date, date.getFullYear() === now.getFullYear() ? DAY_AND_CLOCK : DAY_AND_CLOCK_OF_YEAR);
}

/** When the call started: `14:05` today, else `7 Feb 2026, 10:30`. */
export function startText(date: Date, now: Date = new Date()): string {
  return formatted(date, now.toDateString() === date.toDateString() ? CLOCK : DATE_AND_TIME);
}

/**
 * When something happened, for reading at a glance: `today, 14:05`, `yesterday, 14:05`,
 * else the day and the time (`3 Dec, 14:05`).
 */
export function whenText(date: Date, strings: StickyCallsStrings, now: Date = new Date()): string {
  const days = daysAgo(date, now);
  if (days === 0) return fillTemplate(strings.StickyCallsLastContactToday, { time: clockText(date) });
  if (days === 1) return fillTemplate(strings.StickyCallsLastContactYesterday, { time: clockText(date) });
  return dayAndClockText(date, now);
}

/** The time of something that happened today (`14:05`), else its day and time. */
export function atText(date: Date, now: Date = new Date()): string {
  return daysAgo(date, now) === 0 ? clockText(date) : dayAndClockText(date, now);
}

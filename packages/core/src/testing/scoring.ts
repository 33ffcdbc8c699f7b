/**
 * How the emulator scores a match, in the spirit of the documented weights: an
 * external id adds about 0.4, a mobile line about 0.5, recency adds more.
 */
import type { Hints, Score } from './emulator.js';

const ANI_WEIGHT: Record<string, number> = { mobile: 0.5, landline: 0.3, voip: 0.2, unknown: 0.3 };
const CUSTOMER_REF_WEIGHT = 0.6;
const EXTERNAL_ID_WEIGHT = 0.4;
const DAY_MS = 24 * 60 * 60 * 1000;
const RECENCY: readonly (readonly [number, number, string])[] = [
  [DAY_MS, 0.2, 'recency:1day'],
  [7 * DAY_MS, 0.1, 'recency:7days'],
  [30 * DAY_MS, 0.05, 'recency:30days'],
];

interface Known {
  readonly customerRef: string;
  readonly anis: ReadonlySet<string>;
  readonly externalIds: ReadonlyMap<string, string>;
  readonly lastCallAt: Date | undefined;
}

/** The score of `customer` for these hints, or `undefined` when no identifier matches. */
export function scoreMatch(customer: Known, hints: Hints, lineType: string, at: Date): Score | undefined {
  let confidence = 0;
  const sources: string[] = [];
  if (hints.customer_ref !== undefined && hints.customer_ref === customer.customerRef) {
    confidence += CUSTOMER_REF_WEIGHT;
    sources.push('customer_ref');
  }
  const externalIds = Object.entries(hints.external_ids ?? {});
  if (externalIds.some(([name, value]) => customer.externalIds.get(name) === value)) {
    confidence += EXTERNAL_ID_WEIGHT;
    sources.push('external_id');
  }
  if (hints.ani !== undefined && customer.anis.has(hints.ani)) {
    confidence += ANI_WEIGHT[lineType] ?? ANI_WEIGHT.unknown ?? 0;
    sources.push(`ani:${lineType}`);
  }
  if (sources.length === 0) return undefined;
  const age =
    customer.lastCallAt === undefined
      ? Number.POSITIVE_INFINITY
      : at.getTime() - customer.lastCallAt.getTime();
  const recency = RECENCY.find(([window]) => age <= window);
  if (recency !== undefined) {
    confidence += recency[1];
    sources.push(recency[2]);
  }
  return { confidence: Math.min(1, Math.round(confidence * 100) / 100), sources };
}

/**
 * Identity tiers: what the agent should do with a match. The API's own
 * `recommendation` decides when it is one of the three known values; otherwise the
 * confidence is compared with configurable thresholds.
 */

/** `reuse`: greet and use the context. `confirm`: check who is calling first. `ignore`: treat as a new caller. */
export type IdentityTier = 'reuse' | 'confirm' | 'ignore';

/** Confidence levels the API documents; newer strings are kept as they come. */
export type IdentityLevel = 'very_high' | 'high' | 'medium' | 'low' | (string & {});

/** Options of {@link identityTier}. */
export interface TierOptions {
  /**
   * Lowest confidence that is a match to reuse. The vendor's Flex guide shows
   * "New caller" below 0.5, which is this line.
   * @default 0.5
   */
  reuseAt?: number;
  /**
   * Lowest confidence worth confirming with the caller.
   * @default 0.3
   */
  confirmAt?: number;
  /**
   * Follow the API's `recommendation` when it is `reuse`, `confirm` or `ignore`.
   * Set `false` to decide from confidence and your thresholds only.
   * @default true
   */
  trustRecommendation?: boolean;
}

const TIERS: readonly string[] = ['reuse', 'confirm', 'ignore'] satisfies IdentityTier[];

/**
 * The tier of a match.
 *
 * @example
 * identityTier({ confidence: 0.42, recommendation: null }) // 'confirm'
 * identityTier({ confidence: 0.9, recommendation: 'reuse' }, { reuseAt: 0.8 }) // 'reuse'
 */
export function identityTier(
  identity: { readonly confidence: number | null; readonly recommendation?: string | null },
  options: TierOptions = {},
): IdentityTier {
  const { reuseAt = 0.5, confirmAt = 0.3, trustRecommendation = true } = options;
  const recommendation = identity.recommendation;
  if (trustRecommendation && typeof recommendation === 'string' && TIERS.includes(recommendation)) {
    return recommendation as IdentityTier;
  }
  const confidence = identity.confidence ?? 0;
  if (confidence >= reuseAt) return 'reuse';
  if (confidence >= confirmAt) return 'confirm';
  return 'ignore';
}

/** The API's documented level for a confidence: `very_high` ≥ 0.9, `high` ≥ 0.7, `medium` ≥ 0.5, else `low`. */
export function levelForConfidence(confidence: number): IdentityLevel {
  if (confidence >= 0.9) return 'very_high';
  if (confidence >= 0.7) return 'high';
  if (confidence >= 0.5) return 'medium';
  return 'low';
}

/** The API's documented recommendation for a confidence: `reuse` ≥ 0.5, `confirm` ≥ 0.3, else `ignore`. */
export function recommendationForConfidence(confidence: number): IdentityTier {
  return identityTier({ confidence }, { trustRecommendation: false });
}

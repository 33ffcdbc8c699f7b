import { describe, expect, it } from 'vitest';
import {
  type IdentityTier,
  identityTier,
  levelForConfidence,
  normalizeIntentStatus,
  recommendationForConfidence,
} from '../index.js';

const TIERS: IdentityTier[] = ['reuse', 'confirm', 'ignore'];

describe('identityTier: the API recommendation wins', () => {
  it.each([
    // The API may weigh sources differently from the bare confidence: its word is final.
    [0.95, 'ignore'],
    [0.95, 'confirm'],
    [0, 'reuse'],
    [0.1, 'confirm'],
    [0.4, 'reuse'],
    [0.6, 'ignore'],
    [null, 'reuse'],
  ] as const)('confidence %s with recommendation %s gives %s', (confidence, recommendation) => {
    expect(identityTier({ confidence, recommendation })).toBe(recommendation);
  });

  it('follows the recommendation over custom thresholds', () => {
    expect(identityTier({ confidence: 0.6, recommendation: 'reuse' }, { reuseAt: 0.8 })).toBe('reuse');
    expect(identityTier({ confidence: 0.2, recommendation: 'confirm' }, { confirmAt: 0.5 })).toBe('confirm');
    expect(identityTier({ confidence: 0.9, recommendation: 'ignore' }, { reuseAt: 0.1, confirmAt: 0 })).toBe(
      'ignore',
    );
  });
});

describe('identityTier: thresholds when the API gives no usable recommendation', () => {
  const cases: [number, IdentityTier][] = [
    [1, 'reuse'],
    [0.9, 'reuse'],
    [0.5, 'reuse'],
    [0.4999, 'confirm'],
    [0.42, 'confirm'],
    [0.3, 'confirm'],
    [0.2999, 'ignore'],
    [0.1, 'ignore'],
    [0, 'ignore'],
  ];

  it.each(cases)('confidence %s without a recommendation gives %s', (confidence, tier) => {
    expect(identityTier({ confidence })).toBe(tier);
    expect(identityTier({ confidence, recommendation: null })).toBe(tier);
  });

  it.each(['maybe', 'verify', 'new_caller', ''])(
    'treats the unknown recommendation %j like none',
    (recommendation) => {
      for (const [confidence, tier] of cases) {
        expect(identityTier({ confidence, recommendation })).toBe(tier);
      }
    },
  );

  it('treats a null confidence as 0', () => {
    expect(identityTier({ confidence: null })).toBe('ignore');
    expect(identityTier({ confidence: null, recommendation: null })).toBe('ignore');
    expect(identityTier({ confidence: null, recommendation: 'later' })).toBe('ignore');
    // 0 is exactly the confirm line here, so null must count as 0, not as "below everything".
    expect(identityTier({ confidence: null }, { confirmAt: 0 })).toBe('confirm');
    expect(identityTier({ confidence: null }, { reuseAt: 0 })).toBe('reuse');
  });
});

describe('identityTier: custom thresholds', () => {
  it.each([
    [0.8, 'reuse'],
    [0.79, 'confirm'],
    [0.5, 'confirm'],
    [0.49, 'ignore'],
  ] as const)('with reuseAt 0.8 and confirmAt 0.5, confidence %s gives %s', (confidence, tier) => {
    expect(identityTier({ confidence, recommendation: null }, { reuseAt: 0.8, confirmAt: 0.5 })).toBe(tier);
  });

  it('keeps the default for the threshold that is not set', () => {
    // Only reuseAt: confirm still starts at 0.3.
    expect(identityTier({ confidence: 0.79 }, { reuseAt: 0.8 })).toBe('confirm');
    expect(identityTier({ confidence: 0.3 }, { reuseAt: 0.8 })).toBe('confirm');
    expect(identityTier({ confidence: 0.29 }, { reuseAt: 0.8 })).toBe('ignore');
    // Only confirmAt: reuse still starts at 0.5.
    expect(identityTier({ confidence: 0.5 }, { confirmAt: 0.1 })).toBe('reuse');
    expect(identityTier({ confidence: 0.49 }, { confirmAt: 0.1 })).toBe('confirm');
    expect(identityTier({ confidence: 0.1 }, { confirmAt: 0.1 })).toBe('confirm');
    expect(identityTier({ confidence: 0.09 }, { confirmAt: 0.1 })).toBe('ignore');
  });

  it('can skip the confirm tier by setting both lines equal', () => {
    expect(identityTier({ confidence: 0.7 }, { reuseAt: 0.7, confirmAt: 0.7 })).toBe('reuse');
    expect(identityTier({ confidence: 0.69 }, { reuseAt: 0.7, confirmAt: 0.7 })).toBe('ignore');
  });
});

describe('identityTier: trustRecommendation false', () => {
  it('decides from confidence and thresholds only', () => {
    expect(identityTier({ confidence: 0.95, recommendation: 'ignore' }, { trustRecommendation: false })).toBe(
      'reuse',
    );
    expect(identityTier({ confidence: 0, recommendation: 'reuse' }, { trustRecommendation: false })).toBe(
      'ignore',
    );
    expect(identityTier({ confidence: 0.4, recommendation: 'reuse' }, { trustRecommendation: false })).toBe(
      'confirm',
    );
    expect(identityTier({ confidence: null, recommendation: 'reuse' }, { trustRecommendation: false })).toBe(
      'ignore',
    );
  });

  it('uses the custom thresholds', () => {
    const options = { trustRecommendation: false, reuseAt: 0.8, confirmAt: 0.5 };
    expect(identityTier({ confidence: 0.6, recommendation: 'reuse' }, options)).toBe('confirm');
    expect(identityTier({ confidence: 0.8, recommendation: 'ignore' }, options)).toBe('reuse');
    expect(identityTier({ confidence: 0.49, recommendation: 'confirm' }, options)).toBe('ignore');
  });

  it('still follows the recommendation when trustRecommendation is true', () => {
    expect(identityTier({ confidence: 0.95, recommendation: 'ignore' }, { trustRecommendation: true })).toBe(
      'ignore',
    );
  });
});

describe('recommendationForConfidence: the API documented thresholds', () => {
  it.each([
    [1, 'reuse'],
    [0.9, 'reuse'],
    [0.5, 'reuse'],
    [0.4999, 'confirm'],
    [0.3, 'confirm'],
    [0.2999, 'ignore'],
    [0, 'ignore'],
  ] as const)('confidence %s gives %s', (confidence, recommendation) => {
    expect(recommendationForConfidence(confidence)).toBe(recommendation);
  });

  it('always returns one of the three tiers', () => {
    for (let i = 0; i <= 100; i++) {
      expect(TIERS).toContain(recommendationForConfidence(i / 100));
    }
  });

  it('agrees with identityTier when there is no recommendation', () => {
    for (let i = 0; i <= 100; i++) {
      const confidence = i / 100;
      expect(recommendationForConfidence(confidence)).toBe(
        identityTier({ confidence, recommendation: null }),
      );
    }
  });
});

describe('levelForConfidence: the API documented levels', () => {
  it.each([
    [1, 'very_high'],
    [0.9, 'very_high'],
    [0.8999, 'high'],
    [0.7, 'high'],
    [0.6999, 'medium'],
    [0.5, 'medium'],
    [0.4999, 'low'],
    [0.3, 'low'],
    [0, 'low'],
  ] as const)('confidence %s is %s', (confidence, level) => {
    expect(levelForConfidence(confidence)).toBe(level);
  });

  it('matches the API answer for a new caller (confidence 0: low, ignore)', () => {
    expect(levelForConfidence(0)).toBe('low');
    expect(recommendationForConfidence(0)).toBe('ignore');
  });
});

describe('normalizeIntentStatus', () => {
  it.each(['closed', 'Closed', ' Closed ', 'CLOSED', '\tclosed\n'])(
    'maps %j (the Flex guide) to resolved',
    (status) => {
      expect(normalizeIntentStatus(status)).toBe('resolved');
    },
  );

  it.each([
    ['open', 'open'],
    ['OPEN', 'open'],
    [' Open ', 'open'],
    ['resolved', 'resolved'],
    ['Resolved', 'resolved'],
    [' abandoned', 'abandoned'],
    ['ABANDONED ', 'abandoned'],
  ])('lowercases and trims the documented status %j to %s', (status, expected) => {
    expect(normalizeIntentStatus(status)).toBe(expected);
  });

  it.each([
    ['escalated', 'escalated'],
    [' Escalated ', 'escalated'],
    ['Pending_Callback', 'pending_callback'],
    // Only the exact word closed means resolved.
    ['closed_won', 'closed_won'],
    ['not closed', 'not closed'],
  ])('passes the unknown status %j through as %s', (status, expected) => {
    expect(normalizeIntentStatus(status)).toBe(expected);
  });
});

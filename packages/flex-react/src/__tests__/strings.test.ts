import { describe, expect, it } from 'vitest';
import { DEFAULT_STRINGS, fillTemplate, resolveStrings } from '../strings.js';

describe('fillTemplate', () => {
  it('fills each placeholder, numbers included, spaces inside the braces allowed', () => {
    expect(fillTemplate('{{percent}}% match · {{ level }}', { percent: 92, level: 'very high' })).toBe(
      '92% match · very high',
    );
    expect(fillTemplate('{{count}} of {{count}}', { count: 0 })).toBe('0 of 0');
  });

  it('leaves a placeholder without a value as it is', () => {
    expect(fillTemplate('Pick up “{{intent}}” ({{count}})', { intent: 'Refund' })).toBe(
      'Pick up “Refund” ({{count}})',
    );
    expect(fillTemplate('{{reason}}')).toBe('{{reason}}');
  });

  it('inserts values as they are, without reading placeholders or $-patterns in them', () => {
    expect(fillTemplate('{{a}} {{b}}', { a: '{{b}}', b: '$& $1 <b>x</b>' })).toBe('{{b}} $& $1 <b>x</b>');
  });

  it('ignores inherited properties of the values object', () => {
    expect(fillTemplate('{{toString}} {{constructor}}', {})).toBe('{{toString}} {{constructor}}');
  });

  it('fills every placeholder of the default strings the components fill', () => {
    const values = {
      count: 3,
      intent: 'Refund',
      percent: 50,
      level: 'medium',
      reason: 'it timed out',
      calls: '3rd call about this',
      time: '14:05',
    };
    for (const key of [
      'StickyCallsSuggestFollowUp',
      'StickyCallsConfidence',
      'StickyCallsUnavailableReason',
      'StickyCallsCallCount_one',
      'StickyCallsCallCount_two',
      'StickyCallsCallCount_few',
      'StickyCallsCallCount_other',
      'StickyCallsLastContactToday',
      'StickyCallsLastContactYesterday',
      'StickyCallsVerifiedBy',
    ] as const) {
      expect(fillTemplate(DEFAULT_STRINGS[key], values)).not.toContain('{{');
    }
    expect(fillTemplate(DEFAULT_STRINGS.StickyCallsTruncated, { variables: 4, intents: 1 })).toBe(
      'Some context was left out to fit the task (4 variables, 1 intents not shown).',
    );
  });
});

describe('the default strings', () => {
  it('name no code: the degraded reasons are words, with no placeholder for a code', () => {
    const reasons = Object.entries(DEFAULT_STRINGS).filter(([key]) => key.startsWith('StickyCallsReason_'));
    expect(reasons.length).toBeGreaterThan(10);
    for (const [, words] of reasons) {
      expect(words).not.toMatch(/\{\{|_|\(/);
    }
  });
});

describe('resolveStrings', () => {
  it('is the defaults without overrides', () => {
    expect(resolveStrings()).toEqual(DEFAULT_STRINGS);
    expect(resolveStrings(null, undefined, {})).toEqual(DEFAULT_STRINGS);
  });

  it('applies overrides in order, later ones winning', () => {
    const strings = resolveStrings(
      { StickyCallsTierReuse: 'Cliente conocido', StickyCallsTierConfirm: 'Verificar identidad' },
      { StickyCallsTierReuse: 'Cliente habitual' },
    );
    expect(strings.StickyCallsTierReuse).toBe('Cliente habitual');
    expect(strings.StickyCallsTierConfirm).toBe('Verificar identidad');
    expect(strings.StickyCallsTierIgnore).toBe(DEFAULT_STRINGS.StickyCallsTierIgnore);
  });

  it('ignores values that are not strings', () => {
    const strings = resolveStrings({
      StickyCallsTierReuse: 42,
      StickyCallsTierConfirm: null,
      StickyCallsTierIgnore: { text: 'x' },
      StickyCallsPanelTitle: undefined,
    });
    expect(strings).toEqual(DEFAULT_STRINGS);
  });

  it('keeps an empty string override: it is a string', () => {
    expect(resolveStrings({ StickyCallsNewCallerHint: '' }).StickyCallsNewCallerHint).toBe('');
  });

  it("ignores keys that are not the package's, such as the rest of Flex's manager.strings", () => {
    const managerStrings = { TaskHeaderLine: '{{task.defaultFrom}}', StickyCallsNoSuchKey: 'x' };
    const strings = resolveStrings(managerStrings);
    expect(Object.keys(strings).sort()).toEqual(Object.keys(DEFAULT_STRINGS).sort());
  });

  it('returns a new object and leaves the defaults alone', () => {
    const strings = resolveStrings({ StickyCallsPanelTitle: 'Contexto' });
    expect(strings).not.toBe(DEFAULT_STRINGS);
    expect(DEFAULT_STRINGS.StickyCallsPanelTitle).toBe('Caller context');
  });
});

/** The one validator of a wrap-up's fields, and the form's rows of variables. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSlug, validateWrapUp, variablesFromRows, WRAP_UP_ISSUE_CODES } from '../index.js';

describe('validateWrapUp', () => {
  it('trims, maps closed to resolved, and turns numbers and booleans into text', () => {
    expect(
      validateWrapUp({
        intent: '  refund_request ',
        intent_status: 'closed',
        variables: { 'order-id': ' A-1001 ', amount: 12.5, vip: true, 'ticket.ref': 'T1', 名前: '花子' },
      }),
    ).toEqual({
      ok: true,
      fields: {
        intent: 'refund_request',
        intent_status: 'resolved',
        variables: { 'order-id': 'A-1001', amount: '12.5', vip: 'true', 'ticket.ref': 'T1', 名前: '花子' },
      },
    });
  });

  it('accepts an empty wrap-up (a store before the agent chose anything)', () => {
    expect(validateWrapUp({})).toEqual({ ok: true, fields: {} });
    expect(validateWrapUp(undefined)).toEqual({ ok: true, fields: {} });
    expect(validateWrapUp({ intent: '', variables: {} })).toEqual({ ok: true, fields: {} });
  });

  it('refuses a status the API does not know, which no Retry could ever save', () => {
    expect(validateWrapUp({ intent: 'x', intent_status: 'escalated' })).toMatchObject({
      ok: false,
      issues: [{ code: 'status_format', path: ['intent_status'] }],
    });
  });

  it('reads the guide’s closed as resolved, whatever its case', () => {
    expect(validateWrapUp({ intent: 'x', intent_status: ' Closed ' })).toMatchObject({
      ok: true,
      fields: { intent_status: 'resolved' },
    });
  });

  it.each([
    ['a required intent', {}, { requireIntent: true }, 'intent_required', 'intent'],
    ['a blank intent', { intent: '   ', intent_status: 'open' }, {}, 'intent_format', 'intent'],
    ['an intent too long', { intent: 'x'.repeat(129), intent_status: 'open' }, {}, 'intent_format', 'intent'],
    [
      'a bidi override in the intent',
      { intent: 'refund\u202Eevil', intent_status: 'open' },
      {},
      'intent_format',
      'intent',
    ],
    ['an intent without status', { intent: 'x' }, {}, 'status_required', 'intent_status'],
    [
      'a status that is not a word',
      { intent: 'x', intent_status: 'Open!' },
      {},
      'status_format',
      'intent_status',
    ],
    ['variables that are a list', { variables: ['a'] }, {}, 'variables_format', 'variables'],
    [
      'a variable name with a space',
      { variables: { 'order id': '1' } },
      {},
      'variable_name',
      'variables.order id',
    ],
    [
      'a variable named __proto__',
      JSON.parse('{"variables":{"__proto__":"x"}}'),
      {},
      'variable_name',
      'variables.__proto__',
    ],
    [
      'a variable name too long',
      { variables: { ['n'.repeat(65)]: '1' } },
      {},
      'variable_name',
      `variables.${'n'.repeat(65)}`,
    ],
    ['an empty value', { variables: { a: ' ' } }, {}, 'variable_value', 'variables.a'],
    ['an object value', { variables: { a: { b: 1 } } }, {}, 'variable_value', 'variables.a'],
    ['a value that is not finite', { variables: { a: Number.NaN } }, {}, 'variable_value', 'variables.a'],
  ])('refuses %s with its code and path', (_name, input, rules, code, path) => {
    const result = validateWrapUp(input, rules);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((issue) => [issue.code, issue.path.join('.')])).toContainEqual([code, path]);
      for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(0);
    }
  });

  it('names every problem at once', () => {
    const result = validateWrapUp({ intent: 'x', variables: { 'a b': 'v', c: '' } });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues.map((issue) => issue.code).sort()).toEqual(
        ['status_required', 'variable_name', 'variable_value'].sort(),
      );
  });

  it('never throws, gives known codes only, and accepts its own output unchanged', () => {
    const input = fc.record(
      {
        intent: fc.oneof(fc.string(), fc.anything()),
        intent_status: fc.oneof(fc.constantFrom('open', 'resolved', 'closed', 'abandoned'), fc.anything()),
        variables: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, fc.boolean(), (wrapUp, requireIntent) => {
        const result = validateWrapUp(wrapUp, { requireIntent });
        if (!result.ok) {
          for (const issue of result.issues) expect(WRAP_UP_ISSUE_CODES).toContain(issue.code);
          return;
        }
        expect(validateWrapUp(result.fields, { requireIntent })).toEqual(result);
      }),
    );
  });
});

describe('variablesFromRows', () => {
  it('skips empty rows, trims, and keeps the rest', () => {
    expect(
      variablesFromRows([
        { name: ' order-id ', value: ' A1 ' },
        { name: '', value: '' },
        { name: 'colour', value: 'red' },
      ]),
    ).toEqual({ variables: { 'order-id': 'A1', colour: 'red' }, issues: [] });
  });

  it('names each row’s problem by its index', () => {
    const { variables, issues } = variablesFromRows(
      [
        { name: 'summary', value: 'taken by the note' },
        { name: 'a', value: '1' },
        { name: 'a', value: '2' },
        { name: 'b', value: '' },
        { name: 'bad name', value: 'x' },
      ],
      ['summary'],
    );
    expect(variables).toEqual({ a: '1' });
    expect(issues.map((issue) => [issue.code, issue.path])).toEqual([
      ['variable_duplicate', ['variables', 0]],
      ['variable_duplicate', ['variables', 2]],
      ['variable_value', ['variables', 3]],
      ['variable_name', ['variables', 4]],
    ]);
  });

  it('gives variables the validator accepts as they are', () => {
    const row = fc.record({ name: fc.string({ maxLength: 70 }), value: fc.string({ maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        const { variables, issues } = variablesFromRows(rows);
        const named = rows.filter((r) => r.name.trim() !== '' || r.value.trim() !== '').length;
        expect(Object.keys(variables).length + issues.length).toBe(named);
        if (Object.keys(variables).length > 0)
          expect(validateWrapUp({ variables })).toEqual({ ok: true, fields: { variables } });
      }),
    );
  });
});

describe('toSlug', () => {
  it.each([
    ['Billing question', 'billing_question'],
    ['  Refund -- request!! ', 'refund_--_request'],
    ['返金 申請', '返金_申請'],
    ['___', ''],
  ])('%j → %j', (text, slug) => {
    expect(toSlug(text)).toBe(slug);
  });
});

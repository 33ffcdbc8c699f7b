import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callerAni, isE164, maskCallerNumber, parseCallerNumber } from '../index.js';

/** Twilio's keypad spellings of ANONYMOUS, RESTRICTED, UNKNOWN and UNAVAILABLE. */
const KEYPAD_WITHHELD = ['+266696687', '+7378742833', '+8656696', '+86282452253'];

const NON_STRINGS: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['a number', 14155551234],
  ['NaN', Number.NaN],
  ['a boolean', true],
  ['an object', { From: '+14155551234' }],
  ['an array', ['+14155551234']],
  ['a function', () => '+14155551234'],
  ['a symbol', Symbol('+14155551234')],
];

/** Fails when any 5 consecutive digits of `original` appear in `masked`, even with masking between them. */
function expectNoFiveDigitRunOf(original: string, masked: string): void {
  const originalDigits = original.replace(/\D/g, '');
  const maskedDigits = masked.replace(/\D/g, '');
  for (let i = 0; i + 5 <= originalDigits.length; i++) {
    const run = originalDigits.slice(i, i + 5);
    expect(masked, `masked output shows "${run}" of ${original}`).not.toContain(run);
    expect(maskedDigits, `masked output shows "${run}" of ${original}`).not.toContain(run);
  }
}

describe('parseCallerNumber: real numbers', () => {
  it.each(['+14155551234', '+442071838750', '+447700900123', '+61291234567', '+4930123456'])(
    'keeps the E.164 number %s as it is',
    (number) => {
      expect(parseCallerNumber(number)).toEqual({ kind: 'phone', e164: number });
      expect(callerAni(number)).toBe(number);
    },
  );

  it.each([
    ['+1 (415) 555-1234', '+14155551234'],
    ['+1-415-555-1234', '+14155551234'],
    ['+1.415.555.1234', '+14155551234'],
    ['+44 20 7183 8750', '+442071838750'],
    ['0044 20 7183 8750', '+442071838750'],
    ['00442071838750', '+442071838750'],
    ['001 415 555 1234', '+14155551234'],
    ['  +14155551234\n', '+14155551234'],
  ])('normalises %j to %s', (input, e164) => {
    expect(parseCallerNumber(input)).toEqual({ kind: 'phone', e164 });
    expect(callerAni(input)).toBe(e164);
  });

  it.each(['4155551234', '(415) 555-1234', '14155551234', '07700 900123'])(
    'refuses the national number %j when no defaultCallingCode is given',
    (national) => {
      expect(parseCallerNumber(national)).toEqual({ kind: 'invalid', raw: national });
      expect(callerAni(national)).toBeUndefined();
    },
  );

  it.each([
    ['4155551234', '1', '+14155551234'],
    ['(415) 555-1234', '1', '+14155551234'],
    ['415.555.1234', '1', '+14155551234'],
    ['14155551234', '1', '+14155551234'],
    ['1 (415) 555-1234', '1', '+14155551234'],
    ['07700 900123', '44', '+447700900123'],
    ['020 7183 8750', '44', '+442071838750'],
  ])('completes the national number %j with defaultCallingCode %s as %s', (national, code, e164) => {
    expect(parseCallerNumber(national, { defaultCallingCode: code })).toEqual({ kind: 'phone', e164 });
    expect(callerAni(national, { defaultCallingCode: code })).toBe(e164);
  });

  it('does not let defaultCallingCode change a number that already carries its country code', () => {
    expect(callerAni('+44 20 7183 8750', { defaultCallingCode: '1' })).toBe('+442071838750');
    expect(callerAni('0044 20 7183 8750', { defaultCallingCode: '1' })).toBe('+442071838750');
    expect(callerAni('+14155551234', { defaultCallingCode: '44' })).toBe('+14155551234');
  });
});

describe('parseCallerNumber: withheld callers', () => {
  it.each([
    'anonymous',
    'Anonymous',
    'ANONYMOUS',
    'restricted',
    'Restricted',
    'RESTRICTED',
    'unknown',
    'Unknown',
    'unavailable',
    'UNAVAILABLE',
    'private',
    'Private',
    ' anonymous ',
  ])('recognises %j as withheld', (from) => {
    expect(parseCallerNumber(from)).toMatchObject({ kind: 'withheld' });
    expect(callerAni(from)).toBeUndefined();
  });

  it.each(KEYPAD_WITHHELD)("recognises Twilio's keypad number %s as withheld, not as a phone", (from) => {
    expect(parseCallerNumber(from)).toEqual({ kind: 'withheld', raw: from });
    expect(callerAni(from)).toBeUndefined();
  });

  it('recognises a keypad number however it is formatted', () => {
    expect(parseCallerNumber('+266 696 687')).toMatchObject({ kind: 'withheld' });
    expect(callerAni('00266696687')).toBeUndefined();
    expect(callerAni('+737-874-2833')).toBeUndefined();
  });

  it('never returns a withheld caller as ani, whatever the defaultCallingCode', () => {
    for (const from of [...KEYPAD_WITHHELD, 'anonymous', 'Restricted']) {
      expect(callerAni(from, { defaultCallingCode: '1' })).toBeUndefined();
      expect(callerAni(from, { defaultCallingCode: '44' })).toBeUndefined();
    }
  });
});

describe('parseCallerNumber: Twilio Client and SIP callers', () => {
  it('names a Twilio Client caller by identity', () => {
    expect(parseCallerNumber('client:alice')).toEqual({ kind: 'client', identity: 'alice' });
    expect(parseCallerNumber('Client:agent_42')).toEqual({ kind: 'client', identity: 'agent_42' });
    expect(callerAni('client:alice')).toBeUndefined();
  });

  it.each([
    'sip:alice@example.com',
    'sips:alice@example.com',
    'SIP:bob@pbx.example.com',
    'sip:+14155551234@pbx.example.com',
  ])('keeps %s as a SIP URI and never as a phone number', (uri) => {
    expect(parseCallerNumber(uri)).toEqual({ kind: 'sip', uri });
    expect(callerAni(uri)).toBeUndefined();
    expect(callerAni(uri, { defaultCallingCode: '1' })).toBeUndefined();
  });
});

describe('parseCallerNumber: anything else is invalid, and nothing throws', () => {
  it.each([
    'abc',
    'not a number',
    '+1415555ABCD',
    '+1 415 555 1234 ext 5',
    '14155551234#',
    '*67 415 555 1234',
    '++14155551234',
    '+',
    '00',
    '+0123456789',
    'tel:+14155551234',
  ])('treats %j as invalid', (garbage) => {
    expect(parseCallerNumber(garbage)).toEqual({ kind: 'invalid', raw: garbage });
    expect(callerAni(garbage)).toBeUndefined();
    expect(callerAni(garbage, { defaultCallingCode: '1' })).toBeUndefined();
  });

  it.each(['', '   ', '\t\n'])('treats the empty value %j as invalid', (empty) => {
    expect(parseCallerNumber(empty)).toEqual({ kind: 'invalid', raw: '' });
    expect(callerAni(empty)).toBeUndefined();
  });

  it.each(NON_STRINGS)('treats %s as invalid without throwing', (_, value) => {
    expect(parseCallerNumber(value)).toEqual({ kind: 'invalid', raw: '' });
    expect(parseCallerNumber(value, { defaultCallingCode: '1' })).toEqual({ kind: 'invalid', raw: '' });
    expect(callerAni(value)).toBeUndefined();
    expect(callerAni(value, { defaultCallingCode: '1' })).toBeUndefined();
  });

  it('refuses numbers with fewer than 7 or more than 15 digits', () => {
    expect(parseCallerNumber('+123456')).toMatchObject({ kind: 'invalid' });
    expect(parseCallerNumber('+1234567890123456')).toMatchObject({ kind: 'invalid' });
    expect(parseCallerNumber('00123456')).toMatchObject({ kind: 'invalid' });
    expect(callerAni('12345', { defaultCallingCode: '1' })).toBeUndefined();
    expect(callerAni('7700900123456789', { defaultCallingCode: '44' })).toBeUndefined();
    // The lengths just inside the limits are numbers.
    expect(callerAni('+1234567')).toBe('+1234567');
    expect(callerAni('+123456789012345')).toBe('+123456789012345');
  });

  it('ignores a defaultCallingCode that is not digits', () => {
    expect(callerAni('4155551234', { defaultCallingCode: '+1' })).toBeUndefined();
    expect(callerAni('4155551234', { defaultCallingCode: '' })).toBeUndefined();
    expect(callerAni('4155551234', { defaultCallingCode: 'US' })).toBeUndefined();
  });
});

describe('callerAni', () => {
  it('only returns strings the API accepts as ani (E.164), for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[+0-9 ()\-.]{0,20}$/), fc.anything()),
        (value) => {
          const ani = callerAni(value);
          return ani === undefined || isE164(ani);
        },
      ),
    );
  });
});

describe('isE164', () => {
  it.each(['+14155551234', '+442071838750', '+1234567', '+123456789012345'])('accepts %s', (number) => {
    expect(isE164(number)).toBe(true);
  });

  it.each([
    ['no plus', '14155551234'],
    ['formatting', '+1 (415) 555-1234'],
    ['a leading zero country code', '+04155551234'],
    ['6 digits', '+123456'],
    ['16 digits', '+1234567890123456'],
    ['letters', '+1415555ABCD'],
    ['00 prefix', '0014155551234'],
    ['surrounding spaces', ' +14155551234 '],
    ['empty', ''],
    ['a withheld word', 'anonymous'],
  ])('refuses %s (%j)', (_, value) => {
    expect(isE164(value)).toBe(false);
  });
});

describe('maskCallerNumber', () => {
  it('shows only the last 4 digits of a number', () => {
    expect(maskCallerNumber('+14155551234')).toBe('+*******1234');
  });

  it.each([
    '+14155551234',
    '+1 (415) 555-1234',
    '+442071838750',
    '0044 20 7183 8750',
    '+447700900123',
    '+61291234567',
    '+123456789012345',
    '+1234567',
  ])('never shows more than the last 4 digits of %j', (number) => {
    const masked = maskCallerNumber(number);
    const e164 = callerAni(number);
    expect(e164).toMatch(/^\+\d+$/);
    expect(masked.replace(/\D/g, '').length).toBeLessThanOrEqual(4);
    expect(masked.endsWith(String(e164).slice(-4))).toBe(true);
    expectNoFiveDigitRunOf(number, masked);
  });

  it('never shows more than the last 4 digits of any number', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+[1-9]\d{6,14}$/).filter((number) => !KEYPAD_WITHHELD.includes(number)),
        (number) => {
          const masked = maskCallerNumber(number);
          expect(masked.replace(/\D/g, '')).toBe(number.slice(-4));
          expectNoFiveDigitRunOf(number, masked);
        },
      ),
    );
  });

  it('never shows more than 4 digits of strings that are not numbers', () => {
    for (const value of ['4155551234', '+1 415 555 1234 ext 5', '+1234567890123456', '14155551234#']) {
      const masked = maskCallerNumber(value);
      expect(masked.replace(/\D/g, '').length).toBeLessThanOrEqual(4);
      expectNoFiveDigitRunOf(value, masked);
    }
  });

  it.each(['client:alice', 'client:Alice.Smith@example.com', 'Client:alice'])(
    'never shows the client identity of %s',
    (from) => {
      const masked = maskCallerNumber(from);
      expect(masked.toLowerCase()).not.toContain('alice');
      expect(masked).not.toContain('example.com');
    },
  );

  it.each(['sip:alice@example.com', 'sips:alice@example.com', 'sip:+14155551234@pbx.example.com'])(
    'never shows the SIP URI %s',
    (uri) => {
      const masked = maskCallerNumber(uri);
      expect(masked).not.toContain('alice');
      expect(masked).not.toContain('example.com');
      expectNoFiveDigitRunOf(uri, masked);
    },
  );

  it('keeps client and SIP callers distinguishable from numbers in logs', () => {
    expect(maskCallerNumber('client:alice')).toMatch(/^client:/);
    expect(maskCallerNumber('sip:alice@example.com')).toMatch(/^sip:/);
  });

  it('shows withheld callers without leaking a keypad number', () => {
    expect(maskCallerNumber('anonymous')).toBe('anonymous');
    expect(maskCallerNumber('Restricted')).toBe('restricted');
    for (const keypad of KEYPAD_WITHHELD) {
      const masked = maskCallerNumber(keypad);
      expect(masked).toBe('withheld');
    }
  });

  it.each(NON_STRINGS)('returns a digit-free string for %s without throwing', (_, value) => {
    const masked = maskCallerNumber(value);
    expect(typeof masked).toBe('string');
    expect(masked).not.toMatch(/\d/);
    expect(masked).not.toContain('[object');
  });
});

describe('numbers written in less usual ways', () => {
  it('drops the (0) trunk prefix written after a country code', () => {
    expect(callerAni('+44 (0) 20 7183 8750')).toBe('+442071838750');
  });

  it('does not add the country code twice to a number that already carries it', () => {
    expect(callerAni('447700900123', { defaultCallingCode: '44' })).toBe('+447700900123');
    expect(callerAni('14155551234', { defaultCallingCode: '1' })).toBe('+14155551234');
  });

  it('treats a client with no identity as invalid', () => {
    expect(parseCallerNumber('client:')).toEqual({ kind: 'invalid', raw: 'client:' });
  });

  it('recognises a keypad spelling written without its +', () => {
    expect(parseCallerNumber('266696687', { defaultCallingCode: '1' }).kind).toBe('withheld');
    expect(callerAni('266696687', { defaultCallingCode: '1' })).toBeUndefined();
  });
});

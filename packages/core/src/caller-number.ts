/**
 * What a caller's number (Twilio's `From`) turned out to be.
 *
 * - `phone`: a real number, normalised to E.164; the only kind that may be sent as `ani`.
 * - `withheld`: the caller hid or has no caller id (`anonymous`, `restricted`, Twilio's
 *   keypad spellings such as `+266696687`). Sending it as `ani` would merge every
 *   withheld caller into one customer.
 * - `client` / `sip`: a Twilio Client or SIP caller, named by identity or URI, not a number.
 * - `invalid`: empty, or not a number that could be normalised.
 */
export type CallerNumber =
  | { readonly kind: 'phone'; readonly e164: string }
  | { readonly kind: 'withheld'; readonly raw: string }
  | { readonly kind: 'client'; readonly identity: string }
  | { readonly kind: 'sip'; readonly uri: string }
  | { readonly kind: 'invalid'; readonly raw: string };

/** Options for {@link parseCallerNumber}. */
export interface CallerNumberOptions {
  /**
   * Country calling code (digits only, such as `'1'` or `'44'`) used to complete a
   * national number without one (`(415) 555-1234`, `07700 900123`). Without it, only
   * numbers that carry their country code (`+…` or `00…`) are accepted.
   * @default undefined
   */
  defaultCallingCode?: string;
}

const WITHHELD_WORDS = new Set([
  'anonymous',
  'restricted',
  'unknown',
  'unavailable',
  'private',
  'withheld',
  'blocked',
]);

/**
 * Numbers that carriers and Twilio put in `From` when the caller id is hidden: the
 * words ANONYMOUS, RESTRICTED, UNKNOWN and UNAVAILABLE spelt on a phone keypad.
 */
const WITHHELD_NUMBERS = new Set(['+266696687', '+7378742833', '+8656696', '+86282452253']);

const E164 = /^\+[1-9]\d{6,14}$/;

/** Whether a string is an E.164 number: `+`, a non-zero digit, 7 to 15 digits in all. */
export function isE164(value: string): boolean {
  return E164.test(value);
}

/**
 * Classifies a caller's number and normalises real numbers to E.164.
 *
 * @example
 * parseCallerNumber('+1 (415) 555-1234')  // { kind: 'phone', e164: '+14155551234' }
 * parseCallerNumber('anonymous')          // { kind: 'withheld', raw: 'anonymous' }
 * parseCallerNumber('client:alice')       // { kind: 'client', identity: 'alice' }
 * parseCallerNumber('4155551234', { defaultCallingCode: '1' }) // { kind: 'phone', e164: '+14155551234' }
 */
export function parseCallerNumber(value: unknown, options: CallerNumberOptions = {}): CallerNumber {
  const raw = typeof value === 'string' ? value.trim() : '';
  if (raw === '') return { kind: 'invalid', raw };

  const scheme = /^(client|sips?):/i.exec(raw);
  if (scheme?.[1]) {
    const rest = raw.slice(scheme[0].length).trim();
    if (rest === '') return { kind: 'invalid', raw };
    return scheme[1].toLowerCase() === 'client'
      ? { kind: 'client', identity: rest }
      : { kind: 'sip', uri: raw };
  }
  if (WITHHELD_WORDS.has(raw.toLowerCase())) return { kind: 'withheld', raw };

  // Keypad spellings count as withheld however they are written, even without their '+'.
  if (WITHHELD_NUMBERS.has(`+${raw.replace(/\D/g, '').replace(/^00/, '')}`)) return { kind: 'withheld', raw };
  const e164 = toE164(raw, options.defaultCallingCode);
  if (e164 === undefined) return { kind: 'invalid', raw };
  return { kind: 'phone', e164 };
}

/**
 * The E.164 number to send as `identity_hints.ani`, or `undefined` when the caller
 * is withheld, not a phone, or not a number at all.
 *
 * @example
 * callerAni(event.From) // '+14155551234', or undefined for 'anonymous'
 */
export function callerAni(value: unknown, options?: CallerNumberOptions): string | undefined {
  const parsed = parseCallerNumber(value, options);
  return parsed.kind === 'phone' ? parsed.e164 : undefined;
}

/**
 * Masks a caller's number for logs: every digit but the last 4 becomes `*`.
 * Client identities and SIP URIs can name a person, so only their kind is shown.
 *
 * @example
 * maskCallerNumber('+14155551234') // '+*******1234'
 * maskCallerNumber('client:alice') // 'client:…'
 */
export function maskCallerNumber(value: unknown): string {
  const parsed = parseCallerNumber(value);
  switch (parsed.kind) {
    case 'phone':
      return `+${'*'.repeat(parsed.e164.length - 5)}${parsed.e164.slice(-4)}`;
    case 'withheld':
      return WITHHELD_WORDS.has(parsed.raw.toLowerCase()) ? parsed.raw.toLowerCase() : 'withheld';
    case 'client':
      return 'client:…';
    case 'sip':
      return 'sip:…';
    case 'invalid':
      return parsed.raw === '' ? '(none)' : '(not a number)';
  }
}

function toE164(raw: string, defaultCallingCode: string | undefined): string | undefined {
  // The '(0)' some write after a country code (+44 (0)20 …) is a trunk prefix, not a digit.
  const international = /^(\+|00)/.test(raw) ? raw.replace(/\(0\)/g, '') : raw;
  // Separators people and CRMs put in numbers; anything else (letters, '#', '*') is not a number.
  const compact = international.replace(/[\s().\-/]/g, '');
  let candidate: string;
  if (compact.startsWith('+')) {
    candidate = compact;
  } else if (compact.startsWith('00')) {
    candidate = `+${compact.slice(2)}`;
  } else if (defaultCallingCode !== undefined && /^\d+$/.test(defaultCallingCode) && /^\d+$/.test(compact)) {
    // National numbers have at most 10 digits once the trunk '0' is dropped; a longer
    // one that starts with the country code already carries it (447700900123).
    const national = compact.replace(/^0/, '');
    candidate =
      national.length >= 11 && national.startsWith(defaultCallingCode)
        ? `+${national}`
        : `+${defaultCallingCode}${national}`;
  } else {
    return undefined;
  }
  return E164.test(candidate) ? candidate : undefined;
}

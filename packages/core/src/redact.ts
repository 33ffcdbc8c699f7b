/**
 * Masks an API key for messages that must say which key was used: the prefix
 * (`sk_test_`, `sk_prod_`, …) and the last 4 characters, never more.
 *
 * @example
 * maskApiKey('sk_test_51HxYzAbCdEf9876') // 'sk_test_…9876'
 */
export function maskApiKey(apiKey: string): string {
  // Only a prefix of the known shape (sk_test_, sk_prod_) is shown; anything longer may be secret.
  const prefix = /^[a-z]{2,4}_(test|prod|live)_/i.exec(apiKey)?.[0] ?? '';
  const secret = apiKey.slice(prefix.length);
  // Short keys would give too much away with 4 characters shown.
  return secret.length >= 12 ? `${prefix}…${secret.slice(-4)}` : `${prefix}…`;
}

/** How long a log line may grow once escaped: a line is a sentence, not a payload. */
const LOG_LINE_LIMIT = 2000;

/**
 * Text made safe to write as one log line: line breaks of every kind (`\n`, `\r`,
 * U+0085, U+2028, U+2029), the other C0 and C1 controls (NUL, ESC and its terminal
 * sequences, DEL, …), bidi controls that reorder what a reader sees (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C) and lone surrogates are written as escapes
 * (`\n`, `\r`, `\t`, else `\u{…}`), so a value from a request, a task or an API answer
 * can never start a line of its own or disguise one; and the text is cut at `maxLength`.
 *
 * @example
 * escapeForLog('CA1\n[stickycalls] forged') // 'CA1\\n[stickycalls] forged'
 */
export function escapeForLog(text: string, maxLength = LOG_LINE_LIMIT): string {
  const source = String(text);
  let out = '';
  for (let index = 0; index < source.length; index += 1) {
    const code = source.charCodeAt(index);
    let piece = source.charAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = source.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A pair (an emoji, a CJK extension character): kept as it is.
        piece = source.slice(index, index + 2);
        index += 1;
      } else {
        piece = codeEscape(code);
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      piece = codeEscape(code);
    } else if (code === 0x0a) {
      piece = '\\n';
    } else if (code === 0x0d) {
      piece = '\\r';
    } else if (code === 0x09) {
      piece = '\\t';
    } else if (isUnsafeInLog(code)) {
      piece = codeEscape(code);
    }
    if (out.length + piece.length > maxLength) {
      return `${out}… (+${source.length - index} characters)`;
    }
    out += piece;
  }
  return out;
}

function isUnsafeInLog(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

function codeEscape(code: number): string {
  return `\\u{${code.toString(16)}}`;
}

/** A numeric setting as an error may show it: numbers only, never text that may be a secret. */
export function shownSetting(value: unknown): string {
  return typeof value === 'number' ? String(value) : `a ${value === null ? 'null' : typeof value}`;
}

/**
 * Twilio's request signature (`X-Twilio-Signature`), checked with Web Crypto only, so it
 * runs wherever fetch does (Workers have no Node `crypto`). What Twilio's own helper
 * (`twilio.validateRequest`, `validateRequestWithBody`) does, on the same inputs; the
 * tests hold the two side by side.
 *
 * - A form body: base64 HMAC-SHA1, keyed by the auth token, of the URL followed by each
 *   parameter's name and value, names in order (a repeated name: its distinct values in
 *   order, each after the name).
 * - Any other body (JSON): the URL carries `bodySHA256`, the body's SHA-256 in hex; the
 *   signature is over the URL alone, and the body must hash to `bodySHA256`.
 * - The URL as Twilio requested it, never re-encoded. Like Twilio's helper, a signature
 *   over the URL with its port (`:443` added to an https URL that has none) or without
 *   it is accepted: Twilio signs either way. Nothing else is normalised.
 */

/** What a signature is checked against. */
export interface SignatureInput {
  /** The auth token of the account that signed (Twilio signs with the primary auth token). */
  readonly authToken: string;
  /** The URL Twilio requested: scheme, host, path and query exactly as sent. */
  readonly url: string;
  /** The `X-Twilio-Signature` header, or `null` when absent. */
  readonly signature: string | null;
  /** The request's `Content-Type` header, or `null`. */
  readonly contentType: string | null;
  /** The body as sent (`''` for none). */
  readonly body: string;
}

/** Whether the signature holds, and why not. */
export type SignatureCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /**
       * `missing`: no signature; `mismatch`: not Twilio's for this URL and body;
       * `no_body_hash`: a body that is not a form, with no `bodySHA256` in the URL;
       * `body_hash_mismatch`: a body that is not the one `bodySHA256` names.
       */
      readonly reason: 'missing' | 'mismatch' | 'no_body_hash' | 'body_hash_mismatch';
    };

const encoder = new TextEncoder();

/**
 * Checks a request's `X-Twilio-Signature`.
 *
 * @example
 * const check = await verifyTwilioSignature({
 *   authToken: env.AUTH_TOKEN,
 *   url: 'https://hooks.example.com/caller-context',
 *   signature: request.headers.get('x-twilio-signature'),
 *   contentType: request.headers.get('content-type'),
 *   body: await request.text(),
 * });
 * if (!check.ok) return new Response(null, { status: 403 });
 */
export async function verifyTwilioSignature(input: SignatureInput): Promise<SignatureCheck> {
  const { authToken, url, signature, contentType, body } = input;
  if (signature === null || signature.trim() === '') return { ok: false, reason: 'missing' };
  const form = /^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType ?? '');
  let signed: string;
  if (form || body === '') {
    signed = form ? paramsText(new URLSearchParams(body)) : '';
  } else {
    const declared = bodyHashOf(url);
    if (declared === undefined) return { ok: false, reason: 'no_body_hash' };
    if (!equal(await sha256Hex(body), declared.toLowerCase()))
      return { ok: false, reason: 'body_hash_mismatch' };
    signed = '';
  }
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(authToken),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  for (const candidate of urlsOf(url)) {
    const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${candidate}${signed}`));
    if (equal(base64(new Uint8Array(mac)), signature.trim())) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** Names in order, each followed by its value; a repeated name's distinct values in order. */
function paramsText(params: URLSearchParams): string {
  let text = '';
  for (const name of [...new Set(params.keys())].sort()) {
    const values = params.getAll(name);
    for (const value of values.length === 1 ? values : [...new Set(values)].sort()) text += `${name}${value}`;
  }
  return text;
}

/** The URL with its port and without it, as Twilio's helper tries both; the URL itself when it has no host. */
function urlsOf(url: string): string[] {
  const parts = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (parts === null) return [url];
  const [, scheme = '', authority = '', rest = ''] = parts;
  const hostPort = /^(.*?)(?::(\d*))?$/s.exec(authority);
  const host = hostPort?.[1] ?? authority;
  const port = hostPort?.[2];
  const standard = /^https:/i.test(scheme) ? '443' : /^http:/i.test(scheme) ? '80' : undefined;
  const withPort =
    port === undefined || port === ''
      ? standard === undefined
        ? url
        : `${scheme}${host}:${standard}${rest}`
      : url;
  const withoutPort = `${scheme}${host}${rest}`;
  return withPort === withoutPort ? [url] : [withPort, withoutPort];
}

/** `bodySHA256` of the URL's query, as sent. */
function bodyHashOf(url: string): string | undefined {
  const search = url.indexOf('?');
  if (search < 0) return undefined;
  const value = new URLSearchParams(url.slice(search + 1).split('#')[0]).get('bodySHA256');
  return value === null || value === '' ? undefined : value;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Compares in time that does not depend on where the two first differ. */
function equal(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i += 1)
    difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

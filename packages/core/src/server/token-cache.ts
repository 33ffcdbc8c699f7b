/**
 * Flex tokens Twilio IAM said were valid, kept for a short while by a warm Function, so
 * that a burst of saves by one agent (the store at wrap-up, the save at completion, a
 * retry) asks IAM once instead of once per request.
 *
 * Only IAM's yes is kept: a refusal, an unreachable IAM or a configuration problem is
 * asked about again on the next request. A verdict is kept for a minute at most, and
 * never past the token's own expiry; when neither IAM's answer nor the token says when
 * it expires, it is not kept at all. The key is a SHA-256 of the account, the region and
 * the token, so the token itself is never held here, and one account's verdict never
 * answers for another's.
 */
import type { TokenResult } from './flex-token.js';

/**
 * How long a verdict is kept at most. Long enough for a wrap-up's requests to share
 * one (they come seconds apart); short enough that an agent whose Flex session ended or
 * whose roles changed is seen as such within a minute.
 */
export const TOKEN_CACHE_TTL_MS = 60_000;
/** How many tokens are kept at most: a flood of distinct tokens cannot grow memory. */
export const TOKEN_CACHE_MAX_ENTRIES = 1000;

interface Verdict {
  readonly result: TokenResult;
  /** When it stops being used (ms since the epoch). */
  readonly until: number;
}

/** Kept verdicts, oldest first (a Map keeps its insertion order). */
const verdicts = new Map<string, Verdict>();
/** IAM's answers on their way: requests for the same token meanwhile wait for the same one. */
const inFlight = new Map<string, Promise<TokenResult>>();

/**
 * The key of a token in an account and region. The account sid and the region hold no
 * NUL. Web Crypto's digest, so it runs wherever the handlers do (Node, Workers, Deno).
 */
export async function tokenCacheKey(accountSid: string, region: string, token: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${accountSid}\0${region}\0${token}`),
  );
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The token's kept verdict if there is one; else IAM's (`ask`), shared with the requests
 * for the same key that come while it is on its way, and kept when it is a yes whose
 * expiry is known. A failure reaches the requests already waiting only.
 */
export function verifiedOnce(
  key: string,
  token: string,
  ask: () => Promise<TokenResult>,
): Promise<TokenResult> {
  const kept = verdicts.get(key);
  if (kept !== undefined) {
    // A copy for each request: what one request's code does with it never reaches the next.
    if (Date.now() < kept.until) return Promise.resolve(structuredClone(kept.result));
    verdicts.delete(key);
  }
  const pending = inFlight.get(key);
  if (pending !== undefined) return pending;
  const asked = ask().then(
    (result) => {
      if (inFlight.get(key) === asked) inFlight.delete(key);
      keep(key, token, result);
      return result;
    },
    (reason: unknown) => {
      if (inFlight.get(key) === asked) inFlight.delete(key);
      throw reason;
    },
  );
  inFlight.set(key, asked);
  return asked;
}

function keep(key: string, token: string, result: TokenResult): void {
  const expiry = expiryOf(result, token);
  if (expiry === undefined) return;
  const until = Math.min(Date.now() + TOKEN_CACHE_TTL_MS, expiry);
  if (!(until > Date.now())) return;
  let copy: TokenResult;
  try {
    // A copy of its own: what the request's code does with its result never reaches the cache.
    copy = structuredClone(result);
  } catch {
    return;
  }
  verdicts.delete(key);
  while (verdicts.size >= TOKEN_CACHE_MAX_ENTRIES) {
    const oldest = verdicts.keys().next();
    if (oldest.done === true) break;
    verdicts.delete(oldest.value);
  }
  verdicts.set(key, { result: copy, until });
}

/** ISO 8601 with a time and a zone, as IAM writes `expiration` (`2018-09-24T23:22:44.240Z`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * When the token expires (ms since the epoch): the sooner of IAM's `expiration` and the
 * token's own `exp` (a JWT's payload; a Flex JWE's is encrypted), or `undefined` when
 * neither can be read.
 */
function expiryOf(result: TokenResult, token: string): number | undefined {
  const said = result.expiration;
  const fromIam = typeof said === 'string' && ISO_INSTANT.test(said) ? Date.parse(said) : Number.NaN;
  const fromToken = jwtExpiry(token);
  const known = [fromIam, fromToken].filter((time) => Number.isFinite(time));
  return known.length === 0 ? undefined : Math.min(...known);
}

/** A JWT's `exp` in ms, or NaN. The token was just found valid by IAM, so its claims are its issuer's. */
function jwtExpiry(token: string): number {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return Number.NaN;
  try {
    const claims: unknown = JSON.parse(base64UrlText(parts[1]));
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The UTF-8 text of base64url (RFC 4648 section 5), padded or not; throws on anything else. */
function base64UrlText(encoded: string): string {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(encoded)) throw new TypeError('not base64url');
  const binary = atob(
    encoded
      .replace(/=+$/, '')
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(encoded.replace(/=+$/, '').length / 4) * 4, '='),
  );
  return new TextDecoder('utf-8', { fatal: true }).decode(
    Uint8Array.from(binary, (char) => char.charCodeAt(0)),
  );
}

/** For tests: the keys kept (hashes), oldest first. */
export function cachedTokenKeys(): string[] {
  return [...verdicts.keys()];
}

/** For tests: forget every verdict kept. */
export function resetTokenCache(): void {
  verdicts.clear();
  inFlight.clear();
}

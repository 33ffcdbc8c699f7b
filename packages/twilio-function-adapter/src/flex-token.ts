/**
 * The agent's Flex token, checked with Twilio's `twilio-flex-token-validator` (which
 * asks Twilio IAM). It says who the agent is; which tasks they may act on is the save
 * Function's own check.
 */
import { ConfigurationError } from '@stickycalls/core';
import type { FunctionContext, FunctionEvent } from './runtime.js';
import { tokenCacheKey, verifiedOnce } from './token-cache.js';

/** What Twilio says about a valid Flex token (`twilio-flex-token-validator`'s result). */
export interface TokenResult {
  readonly worker_sid?: string;
  readonly roles?: readonly string[];
  readonly identity?: string;
  readonly [field: string]: unknown;
}

/**
 * Validates a Flex token. Rejects when the token is invalid or expired; rejects with a
 * {@link TokenCheckUnavailableError} when it could not be checked (Twilio unreachable),
 * and with a `ConfigurationError` when the Function lacks the credentials to check it,
 * its settings are malformed or Twilio refuses them.
 */
export type TokenValidator = (token: string, context: FunctionContext) => Promise<TokenResult>;

/** The token could not be checked (Twilio IAM unreachable or slow): worth a retry. */
export class TokenCheckUnavailableError extends Error {
  override readonly name = 'TokenCheckUnavailableError';
}

/** Network failures and non-JSON answers of IAM, as Twilio's validator reports them. */
const UNAVAILABLE = /network|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|EPIPE|socket hang up|Unexpected token|JSON/i;
/**
 * IAM refusing the Function's own credentials (401, Twilio error 20003), which the
 * validator reports by the answer's message only: `Authenticate`, or `Authentication
 * Error - …`. A rejected token is answered `valid: false` with another message.
 */
const CREDENTIALS_REFUSED = /^Authenticat(?:e|ion Error)\b/;
const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;
/** IAM's host is `iam.<region>.twilio.com`: a region is one DNS label (us1, ie1, au1). */
const REGION = /^[a-z0-9]{1,20}$/i;

/**
 * The default {@link TokenValidator}: Twilio IAM, with the context's account credentials.
 * A yes is kept for a short while (`token-cache.ts`), so that a burst of saves by one
 * agent asks IAM once; the Function's settings are checked on every request all the same.
 */
export const flexTokenValidator: TokenValidator = async (token, context) => {
  const accountSid = stringOf(context.ACCOUNT_SID);
  const authToken = stringOf(context.AUTH_TOKEN);
  const apiKey = stringOf(context.API_KEY);
  const apiSecret = stringOf(context.API_SECRET);
  if (
    accountSid === undefined ||
    (authToken === undefined && (apiKey === undefined || apiSecret === undefined))
  ) {
    throw new ConfigurationError(
      'ACCOUNT_SID and AUTH_TOKEN (or API_KEY and API_SECRET) are needed to check Flex tokens',
    );
  }
  // Checked here: the validator puts both in IAM's URL, and fails on a malformed one in
  // ways that read as a rejected token or a network failure.
  if (!ACCOUNT_SID.test(accountSid)) {
    throw new ConfigurationError(
      'ACCOUNT_SID is not an account sid (AC followed by 32 hex digits): Flex tokens cannot be checked',
    );
  }
  const region = stringOf(context.TWILIO_REGION)?.split('-')[0];
  if (region !== undefined && !REGION.test(region)) {
    throw new ConfigurationError(
      'TWILIO_REGION is not a Twilio region such as us1 or ie1: Flex tokens cannot be checked',
    );
  }
  return verifiedOnce(tokenCacheKey(accountSid, region ?? '', token), token, () =>
    askIam(token, accountSid, region, authToken, apiKey, apiSecret),
  );
};

/** Twilio IAM's verdict on the token, its failures told apart (see {@link TokenValidator}). */
async function askIam(
  token: string,
  accountSid: string,
  region: string | undefined,
  authToken: string | undefined,
  apiKey: string | undefined,
  apiSecret: string | undefined,
): Promise<TokenResult> {
  // Loaded on the first check, not with the adapter: the caller-context Function, which
  // checks no token, does not pay for it on a cold start.
  const { validator } = await import('twilio-flex-token-validator');
  try {
    return (await (authToken !== undefined
      ? validator(token, accountSid, authToken, region)
      : validator(token, accountSid, undefined, region, {
          Sid: apiKey as string,
          Secret: apiSecret as string,
        }))) as TokenResult;
  } catch (reason) {
    // The validator rejects with strings (IAM's message, or the network's); they are not
    // passed on, as they may echo input. IAM's status is lost on the way: its message
    // tells a refusal of the Function's credentials from a refusal of the token.
    if (reason instanceof Error) {
      // Thrown while the request was being built, before IAM was asked: the settings it is built from.
      throw new ConfigurationError(
        authToken !== undefined
          ? 'Twilio IAM could not be asked to check Flex tokens with these settings: check ACCOUNT_SID, AUTH_TOKEN and TWILIO_REGION'
          : 'Twilio IAM could not be asked to check Flex tokens with these settings: check ACCOUNT_SID, API_KEY, API_SECRET and TWILIO_REGION',
      );
    }
    if (typeof reason !== 'string') {
      // IAM's verdicts on tokens always say why: an answer without one is no verdict.
      throw new TokenCheckUnavailableError('Twilio IAM answered without a verdict on the token');
    }
    if (CREDENTIALS_REFUSED.test(reason.trim())) {
      throw new ConfigurationError(
        authToken !== undefined
          ? "Twilio IAM refused the Function's credentials to check Flex tokens: check ACCOUNT_SID and AUTH_TOKEN"
          : "Twilio IAM refused the Function's credentials to check Flex tokens: check ACCOUNT_SID, API_KEY and API_SECRET",
      );
    }
    if (UNAVAILABLE.test(reason)) throw new TokenCheckUnavailableError('Twilio IAM unreachable');
    throw new Error('token rejected');
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Whether the Flex token provably did not come in the request's body, so it came in the
 * URL, which Twilio's request logs (and every proxy's) keep. Twilio's runtime merges the
 * query string and the body into one event and the Function never sees the URL; it
 * sees the request's headers (`event.request.headers`, when `@twilio/runtime-handler` is
 * pinned). With them, a request with no `Content-Type` had no body read, and one whose
 * `Content-Length` is shorter than `Token=` and the token cannot hold it.
 *
 * What cannot be told: anything without headers (the runtime handler not pinned), a
 * token sent in the URL and the body alike (the body's is the one read), and a body
 * sent in chunks (no `Content-Length`) or compressed: those are let through.
 */
export function tokenOutsideBody(event: FunctionEvent, token: string): boolean {
  const headers = event.request?.headers;
  if (typeof headers !== 'object' || headers === null) return false;
  const contentType = headerOf(headers, 'content-type');
  if (contentType === undefined || contentType.trim() === '') return true;
  // A compressed body may be shorter than what it holds.
  const encoding = headerOf(headers, 'content-encoding');
  if (encoding !== undefined && !/^\s*(identity)?\s*$/i.test(encoding)) return false;
  const declared = headerOf(headers, 'content-length');
  if (declared === undefined || !/^\s*\d+\s*$/.test(declared)) return false;
  // The shortest body holding it: a form's `Token=` and the token, each byte at least once.
  return Number(declared) < 'Token='.length + Buffer.byteLength(token, 'utf8');
}

function headerOf(headers: object, name: string): string | undefined {
  for (const [header, value] of Object.entries(headers)) {
    if (header.toLowerCase() !== name) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

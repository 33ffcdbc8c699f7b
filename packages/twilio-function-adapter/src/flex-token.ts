/**
 * The agent's Flex token in Functions: checked with Twilio's `twilio-flex-token-validator`
 * (which asks Twilio IAM with `node:https`), through the core's IAM validator (settings
 * checks and the short-lived cache of IAM's yes).
 */
import {
  ConfigurationError,
  type IamSettings,
  iamTokenValidator,
  TokenCheckUnavailableError,
  type TokenResult,
  type TokenValidator,
} from '@stickycalls/core';
import type { FunctionEvent } from './runtime.js';

/** Network failures and non-JSON answers of IAM, as Twilio's validator reports them. */
const UNAVAILABLE = /network|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|EPIPE|socket hang up|Unexpected token|JSON/i;
/**
 * IAM refusing the Function's own credentials (401, Twilio error 20003), which the
 * validator reports by the answer's message only: `Authenticate`, or `Authentication
 * Error - …`. A rejected token is answered `valid: false` with another message.
 */
const CREDENTIALS_REFUSED = /^Authenticat(?:e|ion Error)\b/;

/**
 * The default {@link TokenValidator}: Twilio IAM, with the context's account credentials.
 * A yes is kept for a short while, so that a burst of saves by one agent asks IAM once;
 * the Function's settings are checked on every request all the same.
 */
export const flexTokenValidator: TokenValidator = iamTokenValidator(askIam);

/** Twilio IAM's verdict on the token, its failures told apart (see {@link TokenValidator}). */
async function askIam(
  token: string,
  { accountSid, region, authToken, apiKey, apiSecret }: IamSettings,
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

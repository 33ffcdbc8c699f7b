/**
 * The agent's Flex token, checked by Twilio IAM. It says who the agent is; which tasks
 * they may act on is the save handler's own check. How IAM is asked is the adapter's:
 * Twilio's `twilio-flex-token-validator` in Functions, `fetch` elsewhere.
 */
import { ConfigurationError } from '../errors.js';
import type { HandlerEnv } from './kit.js';
import { basicAuthorization } from './taskrouter.js';
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
export type TokenValidator = (token: string, context: HandlerEnv) => Promise<TokenResult>;

/** The token could not be checked (Twilio IAM unreachable or slow): worth a retry. */
export class TokenCheckUnavailableError extends Error {
  override readonly name = 'TokenCheckUnavailableError';
}

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;
/** IAM's host is `iam.<region>.twilio.com`: a region is one DNS label (us1, ie1, au1). */
const REGION = /^[a-z0-9]{1,20}$/i;

/** The account credentials a token check is made with, read from the settings. */
export interface IamSettings {
  readonly accountSid: string;
  /** IAM's region (`us1`, `ie1`), from `TWILIO_REGION`; `undefined` for the default. */
  readonly region: string | undefined;
  /** `AUTH_TOKEN`, or `undefined` when an API key is used. */
  readonly authToken: string | undefined;
  readonly apiKey: string | undefined;
  readonly apiSecret: string | undefined;
}

/**
 * Asks Twilio IAM about a token. Resolves with IAM's yes; rejects with a
 * `ConfigurationError` when IAM refuses the credentials or cannot be asked with them,
 * a {@link TokenCheckUnavailableError} when IAM cannot be reached or answers without a
 * verdict, and any other error when the token is rejected.
 */
export type IamAsk = (token: string, settings: IamSettings) => Promise<TokenResult>;

/**
 * A {@link TokenValidator} that asks Twilio IAM with the settings' account credentials
 * (`ACCOUNT_SID` and `AUTH_TOKEN`, or `API_KEY` and `API_SECRET`; `TWILIO_REGION`),
 * checked on every request. A yes is kept for a short while (`token-cache.ts`), so that a
 * burst of saves by one agent asks IAM once. Each adapter brings how IAM is asked.
 */
export function iamTokenValidator(ask: IamAsk): TokenValidator {
  return async (token, context) => {
    const settings = iamSettings(context);
    const key = await tokenCacheKey(settings.accountSid, settings.region ?? '', token);
    return verifiedOnce(key, token, () => ask(token, settings));
  };
}

function iamSettings(context: HandlerEnv): IamSettings {
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
  // Checked here: both go into IAM's URL, and a malformed one fails in ways that read as a
  // rejected token or a network failure.
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
  return { accountSid, region, authToken, apiKey, apiSecret };
}

/** Which settings to check when IAM refuses or cannot be asked with them. */
export function credentialNames(settings: IamSettings): string {
  return settings.authToken !== undefined
    ? 'ACCOUNT_SID and AUTH_TOKEN'
    : 'ACCOUNT_SID, API_KEY and API_SECRET';
}

/**
 * Asks IAM with `fetch` (`POST https://iam[.<region>].twilio.com/v1/Accounts/<sid>/Tokens/validate`,
 * Basic auth, `{"token": …}`), as Twilio's `twilio-flex-token-validator` does with
 * `node:https`: for runtimes without Node's modules. IAM's status tells a refusal of the
 * credentials (401) from a refusal of the token (`valid: false`).
 */
export function fetchIamAsk(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): IamAsk {
  return async (token, settings) => {
    const host = settings.region === undefined ? 'iam.twilio.com' : `iam.${settings.region}.twilio.com`;
    const user = settings.authToken !== undefined ? settings.accountSid : (settings.apiKey as string);
    const password = settings.authToken ?? (settings.apiSecret as string);
    let response: Response;
    try {
      response = await fetchImpl(`https://${host}/v1/Accounts/${settings.accountSid}/Tokens/validate`, {
        method: 'POST',
        headers: {
          Authorization: basicAuthorization(user, password),
          'Cache-Control': 'no-cache',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ token }),
      });
    } catch {
      // The error may quote the request; only that IAM was not reached is told.
      throw new TokenCheckUnavailableError('Twilio IAM unreachable');
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      answer = undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConfigurationError(
        `Twilio IAM refused the credentials to check Flex tokens: check ${credentialNames(settings)}`,
      );
    }
    const record = typeof answer === 'object' && answer !== null ? (answer as TokenResult) : undefined;
    if (response.ok && record?.valid === true) return record;
    if (response.ok && record?.valid === false) throw new Error('token rejected');
    if (response.status === 404 || response.status === 400) {
      // IAM's own 4xx: the account or the request, never the token (whose verdict is `valid`).
      throw new ConfigurationError(
        `Twilio IAM could not be asked to check Flex tokens with these settings: check ${credentialNames(settings)} and TWILIO_REGION`,
      );
    }
    throw new TokenCheckUnavailableError('Twilio IAM answered without a verdict on the token');
  };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

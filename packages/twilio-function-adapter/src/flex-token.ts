/**
 * The agent's Flex token, checked with Twilio's `twilio-flex-token-validator` (which
 * asks Twilio IAM). It says who the agent is; which tasks they may act on is the save
 * Function's own check.
 */
import { ConfigurationError } from '@stickycalls/core';
import { validator } from 'twilio-flex-token-validator';
import type { FunctionContext } from './runtime.js';

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
 * and with a `ConfigurationError` when the Function lacks the credentials to check it
 * or Twilio refuses them.
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

/** The default {@link TokenValidator}: Twilio IAM, with the context's account credentials. */
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
  const region = stringOf(context.TWILIO_REGION)?.split('-')[0];
  try {
    return (await (authToken !== undefined
      ? validator(token, accountSid, authToken, region)
      : validator(token, accountSid, undefined, region, {
          Sid: apiKey as string,
          Secret: apiSecret as string,
        }))) as TokenResult;
  } catch (reason) {
    // The validator rejects with strings; they are not passed on, as they may echo input.
    if (typeof reason === 'string' && CREDENTIALS_REFUSED.test(reason.trim())) {
      throw new ConfigurationError(
        authToken !== undefined
          ? "Twilio IAM refused the Function's credentials to check Flex tokens: check ACCOUNT_SID and AUTH_TOKEN"
          : "Twilio IAM refused the Function's credentials to check Flex tokens: check ACCOUNT_SID, API_KEY and API_SECRET",
      );
    }
    if (typeof reason === 'string' && UNAVAILABLE.test(reason))
      throw new TokenCheckUnavailableError('Twilio IAM unreachable');
    throw new Error('token rejected');
  }
};

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a `calls.end` for a wrap-up came to, read one way by every server-side saver
 * (the save Function, the safety net): a 409 means the API has an end for this call
 * already (an earlier save, another task of the call, or the safety net), so the
 * wrap-up is saved; the client itself reports a 409 that answered its own retry as
 * `already_saved`.
 */

import type { StickyCallsClient } from '../client.js';
import type { EndCallParams } from '../contract.js';
import { ConflictError, isStickyCallsError } from '../errors.js';
import type { RequestOptions } from '../options.js';

/** The outcome of {@link endWrapUp}. */
export type EndWrapUpOutcome =
  | { readonly status: 'saved' | 'already_saved'; readonly customer_ref: string | null }
  | {
      readonly status: 'failed';
      readonly error: unknown;
      /** Whether another attempt (a Retry, a redelivered event) may work. */
      readonly retryable: boolean;
    };

/**
 * Sends `calls.end` and settles it: saved, already saved, or failed with whether a
 * retry may help. Never throws.
 *
 * @example
 * const outcome = await endWrapUp(client, endCallFor(call, fields), { timeout: 5000 });
 */
export async function endWrapUp(
  client: Pick<StickyCallsClient, 'calls'>,
  params: EndCallParams,
  options: RequestOptions = {},
): Promise<EndWrapUpOutcome> {
  try {
    const saved = await client.calls.end(params, options);
    return {
      status: saved.already_saved ? 'already_saved' : 'saved',
      customer_ref: saved.customer_ref ?? params.customer_ref ?? null,
    };
  } catch (error) {
    if (isStickyCallsError(error, ConflictError))
      return { status: 'already_saved', customer_ref: params.customer_ref ?? null };
    return { status: 'failed', error, retryable: !isStickyCallsError(error) || error.retryable };
  }
}

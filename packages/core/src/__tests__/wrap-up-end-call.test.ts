/** endWrapUp: what a `calls.end` for a wrap-up came to, against the emulator. */
import { describe, expect, it } from 'vitest';
import { endWrapUp, type StickyCallsClient } from '../index.js';
import { useEmulator } from './kit.js';

const { emulator, client } = useEmulator();

async function startedCall(sticky: StickyCallsClient, callId: string) {
  const started = await sticky.calls.start({ call_id: callId, identity_hints: { ani: '+14155551234' } });
  return started.customer_ref;
}

describe('endWrapUp', () => {
  it('saves, and names the customer', async () => {
    const sticky = client();
    const customerRef = await startedCall(sticky, 'CA1');
    const outcome = await endWrapUp(sticky, {
      call_id: 'CA1',
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
    });
    expect(outcome).toEqual({ status: 'saved', customer_ref: customerRef });
  });

  it('reads a 409 as already saved: the API has an end for this call', async () => {
    const sticky = client();
    const customerRef = await startedCall(sticky, 'CA2');
    await endWrapUp(sticky, { call_id: 'CA2', customer_ref: customerRef });
    const again = await endWrapUp(sticky, { call_id: 'CA2', customer_ref: customerRef });
    expect(again).toEqual({ status: 'already_saved', customer_ref: customerRef });
    expect(emulator.requests.filter((r) => r.operation === 'end').map((r) => r.status)).toEqual([200, 409]);
  });

  it('reads a 409 that answered the client’s own retry as already saved', async () => {
    const sticky = client({ timeout: 1500, attemptTimeout: 150 });
    const customerRef = await startedCall(sticky, 'CA3');
    // The first attempt lands but its answer is too slow; the retry meets 409.
    emulator.inject({ type: 'slow_body', ms: 800, operation: 'end' });
    const outcome = await endWrapUp(sticky, { call_id: 'CA3', customer_ref: customerRef });
    expect(outcome).toEqual({ status: 'already_saved', customer_ref: customerRef });
  });

  it.each([
    ['a server error', { type: 'status', status: 503 } as const, true, 'server_error'],
    ['a rate limit', { type: 'status', status: 429 } as const, true, 'rate_limited'],
    ['a refused key', { type: 'status', status: 401 } as const, false, 'unauthorized'],
    ['a used-up quota', { type: 'status', status: 402 } as const, false, 'quota_exceeded'],
  ])('fails on %s, saying whether a retry may help', async (_name, fault, retryable, code) => {
    const sticky = client({ retry: { maxRetries: 1, initialDelayMs: 5, maxDelayMs: 5 } });
    const customerRef = await startedCall(sticky, `CA-${code}`);
    emulator.inject({ ...fault, operation: 'end', times: 10 });
    const outcome = await endWrapUp(sticky, { call_id: `CA-${code}`, customer_ref: customerRef });
    expect(outcome).toMatchObject({ status: 'failed', retryable, error: { code } });
  });

  it('fails on a hanging API within the timeout, as retryable', async () => {
    const sticky = client();
    emulator.inject({ type: 'hang', times: 10 });
    const started = performance.now();
    const outcome = await endWrapUp(sticky, { call_id: 'CA4', customer_ref: 'c' }, { timeout: 300 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcome).toMatchObject({ status: 'failed', retryable: true, error: { code: 'timeout' } });
  });

  it('never throws, whatever the client does', async () => {
    const throwing = {
      calls: {
        end: () => {
          throw new TypeError('boom');
        },
      },
    } as unknown as StickyCallsClient;
    const outcome = await endWrapUp(throwing, { call_id: 'CA5', customer_ref: 'c' });
    expect(outcome).toMatchObject({ status: 'failed', retryable: true });
    const invalid = await endWrapUp(client(), { call_id: '', customer_ref: 'c' });
    expect(invalid).toMatchObject({ status: 'failed', retryable: false, error: { code: 'invalid_request' } });
  });
});

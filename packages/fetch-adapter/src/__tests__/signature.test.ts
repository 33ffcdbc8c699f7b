/**
 * Our Web Crypto check of `X-Twilio-Signature` against Twilio's own helper (the `twilio`
 * package's `validateRequest` and `validateRequestWithBody`), on the same inputs: where
 * Twilio's helper says valid, so do we, and where it says invalid, so do we. The
 * signatures are made by Twilio's helper too (`getExpectedTwilioSignature`).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { verifyTwilioSignature } from '../signature.js';

const TOKEN = '0123456789abcdef0123456789abcdef';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

/** A form body as Twilio sends it, and the params its helper is given. */
function formOf(params: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return body.toString();
}

async function both(
  url: string,
  params: Record<string, string | string[]>,
  signature: string | null,
): Promise<{ ours: boolean; twilio: boolean }> {
  const ours = await verifyTwilioSignature({
    authToken: TOKEN,
    url,
    signature,
    contentType: FORM,
    body: formOf(params),
  });
  return { ours: ours.ok, twilio: twilio.validateRequest(TOKEN, signature ?? '', url, params) };
}

const sign = (url: string, params: Record<string, string | string[]>) =>
  twilio.getExpectedTwilioSignature(TOKEN, url, params);

describe('form bodies, as Twilio’s helper checks them', () => {
  const url = 'https://hooks.example.com/caller-context';

  it.each([
    ['plain values', { CallSid: `CA${'1'.repeat(32)}`, From: '+14155551234', To: '+18005550100' }],
    ['unicode, +, %20, & and = in values', { Caller: 'Zoë + Ada & co = 100%20', Body: '日本語 ✓' }],
    ['empty values', { From: '', To: '+18005550100' }],
    ['a repeated name', { StatusCallbackEvent: ['ringing', 'answered', 'completed'] }],
    ['a repeated name with a repeated value', { Tag: ['b', 'a', 'b'] }],
    ['no parameters', {}],
  ])('accepts a valid signature: %s', async (_name, params) => {
    expect(await both(url, params, sign(url, params))).toEqual({ ours: true, twilio: true });
  });

  it('refuses what Twilio’s helper refuses: wrong token, missing header, tampered body, another URL', async () => {
    const params = { CallSid: `CA${'1'.repeat(32)}`, From: '+14155551234' };
    const good = sign(url, params);
    const forged = twilio.getExpectedTwilioSignature('ffffffffffffffffffffffffffffffff', url, params);
    expect(await both(url, params, forged)).toEqual({ ours: false, twilio: false });
    expect(await both(url, { ...params, From: '+14155559999' }, good)).toEqual({
      ours: false,
      twilio: false,
    });
    for (const other of [
      'https://hooks.example.com/wrapup-event',
      'https://evil.example.com/caller-context',
      'https://hooks.example.com/caller-context?replay=1',
      'http://hooks.example.com/caller-context',
    ]) {
      expect(await both(other, params, good)).toEqual({ ours: false, twilio: false });
    }
    const missing = await verifyTwilioSignature({
      authToken: TOKEN,
      url,
      signature: null,
      contentType: FORM,
      body: formOf(params),
    });
    expect(missing).toEqual({ ok: false, reason: 'missing' });
    expect(twilio.validateRequest(TOKEN, '', url, params)).toBe(false);
  });

  it('accepts the URL with and without its standard port, as Twilio’s helper does, and nothing else', async () => {
    const params = { From: '+14155551234' };
    expect(await both('https://hooks.example.com:443/caller-context', params, sign(url, params))).toEqual({
      ours: true,
      twilio: true,
    });
    expect(await both(url, params, sign('https://hooks.example.com:443/caller-context', params))).toEqual({
      ours: true,
      twilio: true,
    });
    const query = 'https://hooks.example.com/caller-context?b=2&a=1';
    // The query string as sent: re-ordered, it is another URL.
    expect(
      await both('https://hooks.example.com/caller-context?a=1&b=2', params, sign(query, params)),
    ).toEqual({
      ours: false,
      twilio: false,
    });
    expect(await both(query, params, sign(query, params))).toEqual({ ours: true, twilio: true });
  });

  it('agrees with Twilio’s helper on random parameters, URLs and signatures', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(name, fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 })), { maxKeys: 6 }),
        fc.constantFrom(
          url,
          `${url}?x=1`,
          'https://hooks.example.com:8443/a b',
          'http://127.0.0.1:3000/caller-context',
        ),
        fc.boolean(),
        async (params, target, tamper) => {
          const signature = sign(target, params);
          const sent = tamper ? `${signature.slice(0, -2)}AA` : signature;
          const { ours, twilio: theirs } = await both(target, params, sent);
          expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 300, seed: 20261205 },
    );
  });
});

describe('JSON bodies, through bodySHA256', () => {
  const base = 'https://hooks.example.com/caller-context';
  const body = JSON.stringify({ CallSid: `CA${'1'.repeat(32)}`, From: '+14155551234', note: 'Zoë ✓' });
  const hash = createHash('sha256').update(body).digest('hex');
  const url = `${base}?bodySHA256=${hash}`;
  const check = (input: { url?: string; body?: string; signature?: string | null }) =>
    verifyTwilioSignature({
      authToken: TOKEN,
      url: input.url ?? url,
      signature: input.signature === undefined ? sign(input.url ?? url, {}) : input.signature,
      contentType: 'application/json',
      body: input.body ?? body,
    });

  it('accepts a body whose hash the signed URL names, as Twilio’s helper does', async () => {
    expect(twilio.validateRequestWithBody(TOKEN, sign(url, {}), url, body)).toBe(true);
    expect(await check({})).toEqual({ ok: true });
  });

  it('refuses another body, a URL without bodySHA256, and a wrong signature', async () => {
    const other = JSON.stringify({ CallSid: `CA${'1'.repeat(32)}`, From: '+14155559999' });
    expect(twilio.validateRequestWithBody(TOKEN, sign(url, {}), url, other)).toBe(false);
    expect(await check({ body: other })).toEqual({ ok: false, reason: 'body_hash_mismatch' });
    expect(await check({ url: base })).toEqual({ ok: false, reason: 'no_body_hash' });
    expect(
      twilio.validateRequestWithBody(TOKEN, sign(url, {}), `${base}?bodySHA256=${'0'.repeat(64)}`, body),
    ).toBe(false);
    expect(
      await check({ url: `${base}?bodySHA256=${'0'.repeat(64)}`, signature: sign(url, {}) }),
    ).toMatchObject({
      ok: false,
    });
    expect(await check({ signature: 'bm90IGEgc2lnbmF0dXJl' })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

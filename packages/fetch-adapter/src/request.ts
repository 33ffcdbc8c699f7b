/**
 * A fetch `Request` read as the core's handlers read a Twilio Function's event: the
 * query's and the body's parameters merged (the body's win), and the lower-cased
 * headers at `request.headers`. The raw body is kept, since Twilio's signature is
 * checked against it.
 */
import type { HandlerEvent } from '@stickycalls/core';

/** Where an event keeps its request's query parameters (out of sight of the core's readers). */
const QUERY: unique symbol = Symbol('stickycalls.query');

/** The query parameters of an event this module read; empty for any other. */
export function queryOf(event: HandlerEvent): URLSearchParams {
  const query = (event as { readonly [QUERY]?: unknown })[QUERY];
  return query instanceof URLSearchParams ? query : new URLSearchParams();
}

/** Twilio Functions refuse requests over 1 MB; so do these handlers. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request, read. */
export interface ReadRequest {
  readonly event: HandlerEvent;
  /** The body as sent, decoded as UTF-8 (`''` for none). */
  readonly body: string;
  /** The body's form parameters, or the JSON object's; `{}` for none. */
  readonly bodyParams: Readonly<Record<string, unknown>>;
  /** The query's parameters, as sent (the raw search, decoded by `URLSearchParams`). */
  readonly query: URLSearchParams;
  readonly contentType: string;
}

/** Why a request could not be read: its status and a message naming the problem. */
export interface Unreadable {
  readonly status: 400 | 413 | 415;
  readonly message: string;
}

/** Reads `request`: its body up to {@link MAX_BODY_BYTES}, as a form or a JSON object. */
export async function readRequest(request: Request): Promise<ReadRequest | Unreadable> {
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = await bodyText(request);
  if (typeof text !== 'string') return text;
  let bodyParams: Record<string, unknown> = {};
  if (text !== '') {
    if (contentType === 'application/x-www-form-urlencoded') {
      bodyParams = paramsOf(new URLSearchParams(text));
    } else if (contentType === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { status: 400, message: 'the body is not JSON' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { status: 400, message: 'the body must be a JSON object' };
      }
      bodyParams = parsed as Record<string, unknown>;
    } else {
      return {
        status: 415,
        message: 'send the body as application/x-www-form-urlencoded or application/json',
      };
    }
  }
  const search = request.url.indexOf('?');
  const query = new URLSearchParams(search < 0 ? '' : request.url.slice(search + 1).split('#')[0]);
  const headers = headersOf(request);
  // Built without a prototype, so a parameter named `__proto__` is a parameter like any other.
  const merged: Record<string, unknown> = Object.assign(Object.create(null), paramsOf(query), bodyParams);
  return {
    event: Object.assign(merged, { request: { headers }, [QUERY]: query }),
    body: text,
    bodyParams,
    query,
    contentType,
  };
}

/** The request's headers, lower-cased, as an event holds them (`event.request.headers`). */
export function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

/** Each name once: its value, or its values in order when it came more than once. */
function paramsOf(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const name of new Set(params.keys())) {
    if (name === 'request') continue; // the headers' place in an event
    const values = params.getAll(name);
    out[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/** The body as UTF-8 text, read no further than {@link MAX_BODY_BYTES}. */
async function bodyText(request: Request): Promise<string | Unreadable> {
  const tooLarge: Unreadable = { status: 413, message: 'the body is larger than 1 MB' };
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return tooLarge;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return tooLarge;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { status: 400, message: 'the body is not UTF-8 text' };
  }
}

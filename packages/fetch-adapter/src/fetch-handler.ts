/**
 * Where the core's server handlers meet the fetch standard: a `Request` read as an
 * event, Twilio's signature or the browser's preflight dealt with first, and the
 * core's answer sent as a JSON `Response`.
 */
import {
  answerOf,
  ConfigurationError,
  type HandlerEnv,
  type HandlerEvent,
  logLine,
  type Reply,
  type ServerHandler,
  type ServerHandlerOptions,
} from '@stickycalls/core';
import { headersOf, readRequest } from './request.js';
import { verifyTwilioSignature } from './signature.js';

/** A handler as fetch-standard runtimes call it. */
export type FetchHandler = (request: Request, runtime?: RuntimeContext) => Promise<Response>;

/** What a runtime may pass beside the request. */
export interface RuntimeContext {
  /** The settings for this request: a Worker's `env`, for example. @default the handler's `env` option */
  readonly env?: Readonly<Record<string, unknown>>;
}

/** Options every fetch handler takes. */
export interface FetchHandlerOptions extends ServerHandlerOptions {
  /**
   * The settings (`STICKY_CALLS_API_KEY`, `ACCOUNT_SID`, `AUTH_TOKEN`, …), read at each
   * request, so a rotated key takes effect at once. A Worker passes its `env` with each
   * request instead (`handler(request, { env })`).
   * @default `process.env` where there is one, else `{}`
   */
  env?: Readonly<Record<string, unknown>> | (() => Readonly<Record<string, unknown>>);
}

/** Options of the handlers Twilio calls, whose signature they check. */
export interface SignedHandlerOptions extends FetchHandlerOptions {
  /**
   * The URL Twilio requested, when it is not the one this handler sees: behind a proxy
   * or a load balancer that changes the scheme, the host or the path. Give the public
   * URL you configured in Twilio (`https://hooks.example.com/caller-context`), without
   * a query string: the request's own query string is appended as it came. Or a function
   * of the request that returns the whole URL, query string included.
   * @default the request's own URL
   * @example
   * publicUrl: 'https://hooks.example.com/caller-context'
   */
  publicUrl?: string | ((request: Request) => string);
}

/** How {@link toFetchHandler} deals with a request before the core's handler. */
export interface Guard {
  /** Check `X-Twilio-Signature` with `AUTH_TOKEN`: 403 and no further step when it fails. */
  readonly signed: boolean;
  /** The methods answered; any other gets 405. `OPTIONS` is a preflight when the handler has one. */
  readonly methods: readonly string[];
}

/**
 * Binds a core server handler to fetch: reads the request (1 MB at most, form or JSON),
 * checks Twilio's signature when `guard.signed`, answers `OPTIONS` preflights, and turns
 * the core's answer into a `Response`. Never rejects.
 */
export function toFetchHandler(
  handler: ServerHandler,
  options: FetchHandlerOptions & { readonly publicUrl?: SignedHandlerOptions['publicUrl'] },
  guard: Guard,
): FetchHandler {
  const { name } = handler;
  checkPublicUrl(options.publicUrl);
  const refuse = (
    status: number,
    message: string,
    level: 'warn' | 'error' = 'warn',
    headers?: Readonly<Record<string, string>>,
  ): Response => {
    logLine(options, level, `${name}: refused with ${status} (${message})`);
    return json({ status, body: { error: message }, ...(headers ? { headers } : {}) });
  };
  return async (request, runtime) => {
    try {
      const env = settingsOf(options, runtime);
      if (request.method === 'OPTIONS' && handler.preflight !== undefined) {
        return json(handler.preflight(headersEvent(request)));
      }
      if (!guard.methods.includes(request.method)) {
        const response = refuse(
          405,
          `${request.method} is not answered here; send ${guard.methods.join(' or ')}`,
        );
        response.headers.set('Allow', guard.methods.join(', '));
        return response;
      }
      const read = await readRequest(request);
      if ('status' in read) {
        // The save handler's own answers carry CORS: a browser must be able to read why.
        const cors = handler.preflight?.(headersEvent(request)).headers;
        return refuse(read.status, read.message, 'warn', cors);
      }
      if (guard.signed) {
        const authToken = typeof env.AUTH_TOKEN === 'string' ? env.AUTH_TOKEN.trim() : '';
        if (authToken === '') {
          // Nothing unsigned is let through: without the account's auth token, nothing is.
          return refuse(
            500,
            "AUTH_TOKEN is not set: Twilio's signatures cannot be checked, so no request is answered",
            'error',
          );
        }
        const check = await verifyTwilioSignature({
          authToken,
          url: signedUrl(request, options.publicUrl),
          signature: request.headers.get('x-twilio-signature'),
          contentType: request.headers.get('content-type'),
          body: read.body,
        });
        if (!check.ok) return refuse(403, `not signed by Twilio for this URL (${check.reason})`);
      }
      return json(await answerOf(handler, env, read.event));
    } catch (error) {
      // Reading the request failed (the client went away), or a function given as `env` or
      // `publicUrl` threw: nothing was asked of the API.
      logLine(options, 'warn', `${name}: the request could not be read (${classOf(error)})`);
      return json({ status: 400, body: { error: 'the request could not be read' } });
    }
  };
}

/**
 * A public URL is the URL Twilio was given, without its query string (the request's is
 * appended): anything else would make every signature fail, or pass for another URL.
 */
function checkPublicUrl(publicUrl: unknown): void {
  if (publicUrl === undefined || typeof publicUrl === 'function') return;
  let url: URL | undefined;
  try {
    url = typeof publicUrl === 'string' ? new URL(publicUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '') {
    throw new ConfigurationError(
      'publicUrl must be the http(s) URL Twilio was given for this handler, without a query string, or a function of the request',
    );
  }
}

/** The URL Twilio signed: the public one given, with the request's query string as it came. */
function signedUrl(request: Request, publicUrl: SignedHandlerOptions['publicUrl']): string {
  if (typeof publicUrl === 'function') return publicUrl(request);
  if (publicUrl === undefined) return request.url;
  const search = request.url.indexOf('?');
  return search < 0 ? publicUrl : `${publicUrl}${request.url.slice(search).split('#')[0]}`;
}

function settingsOf(options: FetchHandlerOptions, runtime: RuntimeContext | undefined): HandlerEnv {
  if (runtime !== undefined && typeof runtime.env === 'object' && runtime.env !== null) return runtime.env;
  const { env } = options;
  if (typeof env === 'function') return env();
  if (env !== undefined) return env;
  return (globalThis as { process?: { env?: HandlerEnv } }).process?.env ?? {};
}

/** An event with the headers only: enough for a preflight's CORS headers. */
function headersEvent(request: Request): HandlerEvent {
  return { request: { headers: headersOf(request) } };
}

/** The core's answer as a `Response`: JSON, or no body for 204 and an empty body. */
function json(reply: Reply): Response {
  const headers = new Headers(reply.headers);
  const empty = reply.status === 204 || reply.body === '' || reply.body === undefined;
  if (!empty) headers.set('Content-Type', 'application/json');
  return new Response(empty ? null : JSON.stringify(reply.body), { status: reply.status, headers });
}

function classOf(error: unknown): string {
  return error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : typeof error;
}

/**
 * `@stickycalls/fetch-adapter/node`: a fetch handler as a `node:http` request listener,
 * for a plain server or an Express-style app. The conversion is `@hono/node-server`'s.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { FetchHandler, RuntimeContext } from './fetch-handler.js';

/** A `node:http` request listener; also an Express or Connect middleware that answers every request it gets. */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * A `node:http` listener that answers with `handler`. A body an Express parser already
 * read cannot be read again: mount the handler before any body parser (`app.post(path,
 * toNodeListener(handler))` with no `express.json()` in front of it), since Twilio's
 * signature is checked against the body exactly as sent.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createCallerContextHandler } from '@stickycalls/fetch-adapter';
 * import { toNodeListener } from '@stickycalls/fetch-adapter/node';
 * createServer(toNodeListener(createCallerContextHandler())).listen(8080);
 */
export function toNodeListener(handler: FetchHandler, runtime?: RuntimeContext): NodeListener {
  // Only the request goes on: the second argument of hono's callback is its own bindings.
  // Node's own Request and Response stay the globals: by default the conversion replaces
  // them with its own, for every other module of the process too.
  return getRequestListener((request) => handler(request, runtime), {
    overrideGlobalObjects: false,
  }) as NodeListener;
}

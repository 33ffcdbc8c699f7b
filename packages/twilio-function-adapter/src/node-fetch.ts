/**
 * The `fetch` the Functions' client sends with: `node:http(s)`, as the guide's axios
 * does. Node's own `fetch` (undici) compiles a WebAssembly HTTP parser on a process's
 * first request, and again with the optimising compiler on a background thread: about
 * 80 ms and 24 MB that a cold Function pays before its first answer. `node:http`'s
 * parser is native.
 *
 * It covers what the client sends, nothing more: a string or URL, a string body, a
 * signal, and no redirect followed (the client asks for `redirect: 'manual'`; a 3xx
 * comes back as it is). `http.request` is looked up on the module object at each call,
 * so msw and nock, which replace it there, still intercept every request.
 *
 * The answer is not built with the global `Response`: Twilio's runtime replaces that
 * global with its own `Twilio.Response` (the one a Function answers with), in the cloud
 * and in twilio-run. It is a {@link NodeAnswer}, which has what a fetch `Response` gives
 * the client: status, headers, a web stream body, and the body read whole.
 */
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Statuses whose answer has no body (below 200 is refused). */
const NULL_BODY = new Set([204, 205, 304]);

export const nodeFetch: typeof globalThis.fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason);
    let url: URL;
    try {
      url = new URL(input instanceof Request ? input.url : String(input));
    } catch (error) {
      return reject(new TypeError('fetch failed: the URL is not valid', { cause: error }));
    }
    const module = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (module === undefined)
      return reject(new TypeError(`fetch failed: ${url.protocol} is not http or https`));
    const body = init.body;
    if (
      (body !== undefined && body !== null && typeof body !== 'string') ||
      (input instanceof Request && input.body !== null)
    ) {
      return reject(new TypeError('fetch failed: only a string body, given in init, can be sent'));
    }
    // A Request's headers, then init's over them, as fetch merges them.
    const headers: Record<string, string> = {};
    const collect = (value: string, name: string): void => {
      headers[name] = value;
    };
    if (input instanceof Request) input.headers.forEach(collect);
    new Headers(init.headers).forEach(collect);
    if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));

    const onAbort = (): void => {
      request.destroy();
      reject(signal?.reason);
    };
    const request = module.request(url, {
      method: init.method ?? (input instanceof Request ? input.method : 'GET'),
      headers,
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new TypeError('fetch failed', { cause: error }));
    });
    request.on('response', (incoming) => {
      signal?.removeEventListener('abort', onAbort);
      const status = incoming.statusCode ?? 0;
      const responseHeaders = new Headers();
      const raw = incoming.rawHeaders;
      try {
        for (let i = 0; i + 1 < raw.length; i += 2)
          responseHeaders.append(raw[i] as string, raw[i + 1] as string);
      } catch (error) {
        // A header fetch would refuse too (a name it cannot hold): never thrown from here.
        incoming.destroy();
        return reject(
          new TypeError('fetch failed: the answer has a header fetch cannot read', { cause: error }),
        );
      }
      if (status < 200 || status > 599) {
        // A status fetch cannot represent either.
        incoming.destroy();
        return reject(new TypeError(`fetch failed: the answer's status ${status} is not valid`));
      }
      if (NULL_BODY.has(status)) incoming.resume();
      const body = NULL_BODY.has(status) ? null : toWebStream(decoded(incoming), signal);
      resolve(
        new NodeAnswer(status, incoming.statusMessage ?? '', responseHeaders, body) as unknown as Response,
      );
    });
    request.end(body ?? undefined);
  });

/** The body undone from the `Content-Encoding` a server sent though none was asked for. */
function decoded(incoming: http.IncomingMessage): Readable {
  const encoding = String(incoming.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (decoder === undefined) return incoming;
  // Either one failing or destroyed (a cancelled reader, a corrupt body) destroys both,
  // so the socket is never left holding an answer nobody reads.
  return pipeline(incoming, decoder, () => undefined);
}

/**
 * A web stream of the body, read as the reader asks. Cancelling it, or the signal firing,
 * destroys the source and with it the socket; the stream then errors with the signal's
 * reason, as fetch's does.
 */
function toWebStream(source: Readable, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const stream = Readable.toWeb(source) as ReadableStream<Uint8Array>;
  if (signal !== undefined) {
    const onAbort = (): void => {
      source.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    source.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  return stream;
}

/** A fetch `Response` as far as a client reads one, built without the global `Response`. */
class NodeAnswer {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  readonly url = '';
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly body: ReadableStream<Uint8Array> | null,
  ) {
    this.ok = status >= 200 && status <= 299;
  }

  get bodyUsed(): boolean {
    return this.body?.locked ?? false;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.body === null) return new Uint8Array(0);
    if (this.body.locked) throw new TypeError('Body is unusable: Body has already been read');
    const chunks: Uint8Array[] = [];
    const reader = this.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      chunks.push(value);
    }
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

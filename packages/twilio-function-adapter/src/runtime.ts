/**
 * Where the core's server handlers meet Twilio Functions: the Functions shapes
 * (declared here, structurally), the callback-once wrapper, `Twilio.Response` with
 * JSON and CORS.
 */
import {
  answerOf,
  type ClientOptions,
  describe,
  type HandlerEnv,
  type HandlerEvent,
  logLine,
  type Reply,
  type ServerHandler,
  type ServerHandlerOptions,
} from '@stickycalls/core';

/** The `context` Twilio passes a Function: environment variables and helpers. */
export type FunctionContext = HandlerEnv;

/** The `event` Twilio passes a Function: query and body merged; headers when the runtime handler is pinned. */
export type FunctionEvent = HandlerEvent;

/** The callback a Function answers through, exactly once. */
export type FunctionCallback = (error: unknown, response?: unknown) => void;

/** A Twilio Function handler, as `exports.handler`. */
export type FunctionHandler = (
  context: FunctionContext,
  event: FunctionEvent,
  callback: FunctionCallback,
) => void;

/** What `Twilio.Response` offers that the handlers use. */
export interface FunctionResponse {
  setStatusCode(code: number): void;
  setBody(body: unknown): void;
  appendHeader(name: string, value: string): void;
}

/** A constructor of responses: `Twilio.Response` in Functions, a fake in tests. */
export type ResponseConstructor = new () => FunctionResponse;

/** Options every Function handler takes. */
export interface HandlerOptions extends ServerHandlerOptions {
  /** The response constructor. @default the runtime's global `Twilio.Response` */
  Response?: ResponseConstructor;
  /**
   * Client options besides the key and base URL, which are read from the context at
   * call time (`STICKY_CALLS_API_KEY`, `STICKY_CALLS_BASE_URL`): `fetch`, `hooks`, `retry`.
   * Without a `fetch`, the client sends with `node:http(s)`, whose parser is native:
   * Node's own `fetch` compiles a WebAssembly parser on a process's first request, which
   * a cold Function would wait for.
   * @default {}
   */
  client?: Omit<ClientOptions, 'apiKey' | 'baseUrl' | 'timeout'>;
}

/**
 * Binds a core server handler to Twilio Functions: the non-async `(context, event,
 * callback)` the runtime expects, calling `callback` exactly once whatever happens, with
 * a JSON `Twilio.Response`.
 */
export function toFunctionHandler(handler: ServerHandler, options: HandlerOptions): FunctionHandler {
  const { name } = handler;
  return (context, event, callback) => {
    let answered = false;
    const answer = (reply: Reply): void => {
      if (answered) return;
      answered = true;
      let response: unknown;
      try {
        response = toResponse(options.Response, reply);
      } catch (error) {
        // A broken response constructor: answer with the plain body, which Twilio serialises.
        logLine(options, 'error', `${name}: could not build the response (${describe(error)})`);
        response = reply.body;
      }
      if (response === reply.body && (reply.status !== 200 || reply.headers !== undefined)) {
        logLine(
          options,
          'error',
          `${name}: no Twilio.Response, so status ${reply.status} and its headers are lost`,
        );
      }
      try {
        callback(null, response);
      } catch (error) {
        // The callback is called once, whatever it does.
        logLine(options, 'error', `${name}: the callback threw (${describe(error)})`);
      }
    };
    answerOf(handler, context ?? {}, event ?? {}).then(answer);
  };
}

function toResponse(Response: ResponseConstructor | undefined, reply: Reply): unknown {
  const Constructor = Response ?? runtimeResponse();
  if (Constructor === undefined) return reply.body;
  const response = new Constructor();
  response.setStatusCode(reply.status);
  response.appendHeader('Content-Type', 'application/json');
  for (const [header, value] of Object.entries(reply.headers ?? {})) response.appendHeader(header, value);
  response.setBody(reply.body);
  return response;
}

function runtimeResponse(): ResponseConstructor | undefined {
  const twilio = (globalThis as { Twilio?: { Response?: ResponseConstructor } }).Twilio;
  return twilio?.Response;
}

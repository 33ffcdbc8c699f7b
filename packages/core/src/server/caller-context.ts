import {
  ATTRIBUTE_KEY,
  type AttributeWriterOptions,
  type CallerContextAttributes,
  ConfigurationError,
  callStartParams,
  degradedTaskAttributes,
  maskCallerNumber,
  resolveAttributeWriterOptions,
  toTaskAttributes,
} from '../index.js';
import {
  checkClientOptions,
  clientFor,
  describe,
  type Logger,
  logLine,
  report,
  type ServerHandler,
  type ServerHandlerOptions,
} from './kit.js';

/** Options of {@link createCallerContextHandler}. */
export interface CallerContextHandlerOptions extends ServerHandlerOptions {
  /**
   * Deadline of `calls.start`, retries included, in milliseconds. Studio's Run Function
   * widget gives up at 10 s, so at most 8,000.
   * @default 5000
   */
  timeoutMs?: number;
  /** How the context is written into task attributes (budgets, priority variables, tiers). @default {} */
  attributes?: AttributeWriterOptions;
  /**
   * Country calling code used to complete national caller numbers (`'1'`, `'44'`).
   * Twilio sends E.164 for phone calls, so this is rarely needed.
   * @default undefined
   */
  defaultCallingCode?: string;
}

const MAX_TIMEOUT_MS = 8000;

/**
 * The caller-context handler, before it meets its runtime: it looks the caller up and
 * answers 200 with task attributes, always with the same keys (the vendor guide's flat
 * keys and the `sticky_calls` object), within its deadline whatever the API does. On
 * any failure the attributes are degraded with a reason code and the call goes on to
 * an agent.
 *
 * Reads `From`, `CallSid` and `To` from the event, and optionally `external_ids`
 * (an object or its JSON: stable ids such as a CRM id) and `line_type`.
 *
 * @param defaultFetch the adapter's `fetch` for the client when the options give none
 */
export function defineCallerContextHandler(
  options: CallerContextHandlerOptions = {},
  defaultFetch?: typeof fetch,
): ServerHandler {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigurationError(
      `timeoutMs must be from 1 to ${MAX_TIMEOUT_MS} ms (Studio gives up at 10 s), got ${typeof timeoutMs === 'number' ? String(timeoutMs) : `a ${typeof timeoutMs}`}`,
    );
  }
  const attributeOptions = resolveAttributeWriterOptions(options.attributes);
  checkClientOptions(options);
  const codeOption =
    options.defaultCallingCode === undefined ? {} : { defaultCallingCode: options.defaultCallingCode };
  const name = 'caller-context';

  return {
    name,
    options,
    async run(context, event) {
      const started = Date.now();
      const callId = typeof event.CallSid === 'string' ? event.CallSid : '';
      const from = maskCallerNumber(event.From);
      const degrade = (reason: unknown, level: keyof Logger, why: string) => {
        logLine(
          options,
          level,
          `${name} call=${callId || '(none)'} from=${from}: no context (${why}); the call goes on`,
        );
        return ok(degradedTaskAttributes(reason));
      };

      const client = clientFor(context, options, defaultFetch);
      if (client instanceof ConfigurationError) {
        report(options, name, client, callId);
        return degrade(client, 'error', client.message);
      }
      const start = callStartParams(
        {
          callId,
          from: event.From,
          to: event.To,
          externalIds: event.external_ids,
          lineType: event.line_type,
        },
        codeOption,
      );
      if (!start.ok) {
        return start.reason === 'no_identity_hints'
          ? degrade(start.reason, 'info', 'withheld or non-phone caller, and no external ids')
          : degrade(start.reason, 'error', 'the event has no usable CallSid: pass {{trigger.call.CallSid}}');
      }

      try {
        const response = await client.calls.start(start.params, { timeout: timeoutMs });
        const attributes = toTaskAttributes(response, attributeOptions);
        const written = attributes[ATTRIBUTE_KEY];
        logLine(
          options,
          'info',
          `${name} call=${callId} from=${from}: ${written.tier} (confidence ${written.confidence.toFixed(2)}, ${written.intents.length} open intents) in ${Date.now() - started} ms`,
        );
        return ok(attributes);
      } catch (error) {
        report(options, name, error, callId);
        return degrade(error, 'warn', describe(error));
      }
    },
    // Even an unexpected failure answers 200 with degraded attributes: Studio then takes
    // the success path and the call reaches an agent.
    unexpected: (error) => ok(degradedTaskAttributes(error)),
  };
}

function ok(attributes: CallerContextAttributes) {
  return { status: 200, body: attributes };
}

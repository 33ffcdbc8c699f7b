/**
 * The example Studio flow (`flow.json`): an incoming call runs the caller-context
 * Function, then Send to Flex puts the context on the task; when the Function fails,
 * a second Send to Flex still sends the call to Flex, with a degraded context.
 *
 * - {@link loadFlow} reads a flow definition;
 * - {@link fillFlow} puts your ids in place of the placeholders;
 * - {@link checkFlow} lists what would go wrong in Studio, TaskRouter or the panel;
 * - {@link renderTaskAttributes} renders the task attributes a call would get, as the
 *   Send to Flex template does (a small Liquid subset: `{{path}}` and `{{path | to_json}}`).
 */
import { readFileSync } from 'node:fs';
import {
  ATTRIBUTE_KEY,
  type AttributeWriterOptions,
  type CallerContextAttributes,
  readCallerContext,
  resolveAttributeWriterOptions,
  type StartCallResponse,
  startCallResponseSchema,
  TASK_ATTRIBUTES_LIMIT,
  toTaskAttributes,
} from '@stickycalls/core';

// ---------------------------------------------------------------------------
// The flow definition, as Studio exports it

/** A transition of a widget: on `event`, go to the state `next` (none: the execution ends). */
export interface FlowTransition {
  event: string;
  next?: string;
  /** Conditions of a `split-based-on` match. */
  conditions?: unknown[];
}

/** A widget of the flow. */
export interface FlowState {
  name: string;
  /** `trigger`, `run-function`, `send-to-flex`, `set-variables`, `split-based-on`, … */
  type: string;
  transitions: FlowTransition[];
  /** The widget's settings; `send-to-flex.properties.attributes` is a string holding the JSON template. */
  properties: Record<string, unknown>;
}

/** A Studio flow definition: what Studio exports and what its API takes as `Definition`. */
export interface FlowDefinition {
  description?: string;
  states: FlowState[];
  initial_state: string;
  flags?: { allow_concurrent_calls?: boolean };
}

/** The flow shipped with this example. */
export const FLOW_PATH: URL = new URL('../flow.json', import.meta.url);
/**
 * The variant for a caller-context handler outside Twilio (`@stickycalls/fetch-adapter`):
 * the HTTP Request widget instead of Run Function.
 */
export const HTTP_FLOW_PATH: URL = new URL('../flow-http.json', import.meta.url);

/** Studio's limit on the Send to Flex attributes template, in characters. */
export const ATTRIBUTES_TEMPLATE_LIMIT = 1024;

/** Attributes Flex sets on every voice task; a template must not set them. */
export const FLEX_VOICE_KEYS = ['call_sid', 'from', 'to', 'caller', 'called', 'direction'] as const;

/** The ids {@link fillFlow} puts into the flow. */
export interface FlowIds {
  /** The TaskRouter workflow that routes the call (`WW…`), e.g. Flex's "Assign to Anyone". */
  workflowSid: string;
  /** The voice task channel's sid (`TC…`): Studio's editor stores the sid. */
  taskChannel: string;
  /** The Functions service that holds `/caller-context` (`ZS…`). */
  serviceSid: string;
  /** The service's environment the Function is deployed to (`ZE…`). */
  environmentSid: string;
  /** The `/caller-context` Function (`ZH…`). */
  functionSid: string;
  /** The environment's domain, a host name such as `sticky-calls-1234-dev.twil.io`. */
  serviceDomain: string;
}

/** The ids {@link fillHttpFlow} puts into the HTTP Request variant (`flow-http.json`). */
export interface HttpFlowIds {
  /** The TaskRouter workflow that routes the call (`WW…`). */
  workflowSid: string;
  /** The voice task channel's sid (`TC…`). */
  taskChannel: string;
  /**
   * The caller-context handler's public https URL, exactly as its `publicUrl` says (Twilio
   * signs this URL), with no query string and no credentials in it.
   */
  contextUrl: string;
}

/** The placeholder of the HTTP Request variant's URL. */
export const CONTEXT_URL_PLACEHOLDER = 'https://your-handler.example.com/caller-context';

/**
 * The placeholders of `flow.json`: the right prefixes and lengths, all zeros, so the
 * unfilled flow still imports, and a domain nobody has.
 */
export const PLACEHOLDERS: Readonly<Record<keyof FlowIds, string>> = {
  workflowSid: `WW${'0'.repeat(32)}`,
  taskChannel: `TC${'0'.repeat(32)}`,
  serviceSid: `ZS${'0'.repeat(32)}`,
  environmentSid: `ZE${'0'.repeat(32)}`,
  functionSid: `ZH${'0'.repeat(32)}`,
  serviceDomain: 'your-service-domain.twil.io',
};

const SID_IDS = {
  workflowSid: { prefix: 'WW', what: "your TaskRouter workflow's sid" },
  taskChannel: { prefix: 'TC', what: "your voice task channel's sid" },
  serviceSid: { prefix: 'ZS', what: "your Functions service's sid" },
  environmentSid: { prefix: 'ZE', what: "the service environment's sid" },
  functionSid: { prefix: 'ZH', what: "the /caller-context Function's sid" },
} as const satisfies Record<Exclude<keyof FlowIds, 'serviceDomain'>, { prefix: string; what: string }>;

/** What each id of {@link FlowIds} looks like, in words, for a message or a usage text. */
export const ID_FORMATS: Readonly<Record<keyof FlowIds, string>> = {
  ...(Object.fromEntries(
    Object.entries(SID_IDS).map(([id, { prefix, what }]) => [
      id,
      `${what}, ${prefix} followed by 32 hex digits`,
    ]),
  ) as Record<keyof typeof SID_IDS, string>),
  serviceDomain: "the environment's domain, a host name such as sticky-calls-1234-dev.twil.io",
};

/** What the HTTP Request variant's URL must look like, in words. */
export const CONTEXT_URL_FORMAT =
  "the caller-context handler's public https URL, such as https://hooks.example.com/caller-context, with no query string";

/** One id given to {@link fillFlow} that is malformed, missing or still the placeholder. */
export interface IdProblem {
  /** Which id. */
  id: keyof FlowIds | keyof HttpFlowIds;
  /** What is wrong and what it should look like, naming the id. */
  message: string;
}

/**
 * Ids given to {@link fillFlow} are malformed, missing or still the placeholders:
 * `problems` lists every one of them, in the order of {@link FlowIds}.
 */
export class InvalidIdError extends Error {
  override readonly name = 'InvalidIdError';
  constructor(
    /** Every bad id, never empty. */
    readonly problems: readonly IdProblem[],
  ) {
    super(
      problems.length === 1
        ? (problems[0]?.message ?? '')
        : `${problems.length} ids are wrong: ${problems.map((problem) => problem.message).join('; ')}`,
    );
  }
}

/** A flow definition is not shaped as Studio's. */
export class FlowFormatError extends Error {
  override readonly name = 'FlowFormatError';
}

/** A template could not be rendered, or did not render to a JSON object. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

// ---------------------------------------------------------------------------
// Load and fill

/**
 * Reads a flow definition: the example's `flow.json` when no path is given.
 *
 * @throws FlowFormatError when the file is not JSON or not shaped as a Studio flow.
 * @example
 * const flow = loadFlow(); // the shipped flow, with placeholders
 * const mine = loadFlow('flow.filled.json');
 */
export function loadFlow(path: string | URL = FLOW_PATH): FlowDefinition {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FlowFormatError(`${String(path)} is not JSON: ${(error as Error).message}`);
  }
  return parseFlow(value);
}

/**
 * Checks that a value is shaped as a Studio flow definition and returns it typed,
 * unknown fields kept.
 *
 * @throws FlowFormatError naming the first field that is wrong.
 */
export function parseFlow(value: unknown): FlowDefinition {
  const fail = (where: string, what: string): never => {
    throw new FlowFormatError(`not a Studio flow definition: ${where} ${what}`);
  };
  if (!isRecord(value)) return fail('the definition', 'must be an object');
  if (typeof value.initial_state !== 'string') fail('initial_state', 'must be a string');
  if (value.description !== undefined && typeof value.description !== 'string')
    fail('description', 'must be a string');
  if (value.flags !== undefined && !isRecord(value.flags)) fail('flags', 'must be an object');
  const states: unknown = value.states;
  if (!Array.isArray(states) || states.length === 0) return fail('states', 'must be a non-empty array');
  for (const [index, state] of (states as unknown[]).entries()) {
    const where = `states[${index}]`;
    if (!isRecord(state)) return fail(where, 'must be an object');
    if (typeof state.name !== 'string' || state.name === '')
      fail(`${where}.name`, 'must be a non-empty string');
    if (typeof state.type !== 'string' || state.type === '')
      fail(`${where}.type`, 'must be a non-empty string');
    if (!isRecord(state.properties)) fail(`${where}.properties`, 'must be an object');
    const transitions: unknown = state.transitions;
    if (!Array.isArray(transitions)) return fail(`${where}.transitions`, 'must be an array');
    for (const [at, transition] of (transitions as unknown[]).entries()) {
      const there = `${where}.transitions[${at}]`;
      if (!isRecord(transition)) return fail(there, 'must be an object');
      if (typeof transition.event !== 'string') fail(`${there}.event`, 'must be a string');
      if (transition.next !== undefined && typeof transition.next !== 'string')
        fail(`${there}.next`, 'must be a string');
    }
  }
  return value as unknown as FlowDefinition;
}

/**
 * A copy of the flow with your ids in place of every placeholder.
 *
 * @throws InvalidIdError listing every id that is malformed, missing or still a placeholder.
 * @throws FlowFormatError when the flow holds no placeholder (already filled?).
 * @example
 * const filled = fillFlow(loadFlow(), {
 *   workflowSid: 'WW…', taskChannel: 'TC…', serviceSid: 'ZS…', environmentSid: 'ZE…',
 *   functionSid: 'ZH…', serviceDomain: 'sticky-calls-1234-dev.twil.io',
 * });
 */
export function fillFlow(flow: FlowDefinition, ids: FlowIds): FlowDefinition {
  const values = validateIds(ids);
  const text = JSON.stringify(flow);
  if (!Object.values(PLACEHOLDERS).some((placeholder) => text.includes(placeholder))) {
    throw new FlowFormatError(
      'the flow holds no placeholder to fill (already filled?): start from the example flow.json',
    );
  }
  const entries = Object.entries(PLACEHOLDERS) as [keyof FlowIds, string][];
  const replace = (value: string): string =>
    entries.reduce((result, [id, placeholder]) => result.split(placeholder).join(values[id]), value);
  return parseFlow(mapStrings(structuredClone(flow), replace));
}

/**
 * Checks ids as {@link fillFlow} does; returns them normalised (the domain in lower case).
 *
 * @throws InvalidIdError listing every bad id at once, so one run shows every mistake.
 */
export function validateIds(ids: FlowIds): FlowIds {
  const problems = sidProblems(ids, Object.keys(SID_IDS) as (keyof typeof SID_IDS)[]);
  const domain: unknown = ids.serviceDomain;
  const problem = domainProblem(domain);
  const host = typeof domain === 'string' ? domain.toLowerCase() : '';
  if (problem !== undefined) problems.push({ id: 'serviceDomain', message: `serviceDomain ${problem}` });
  else if (host === PLACEHOLDERS.serviceDomain) {
    problems.push({
      id: 'serviceDomain',
      message: `serviceDomain is still the placeholder ${host}: give your service's domain`,
    });
  }
  if (problems.length > 0) throw new InvalidIdError(problems);
  return { ...ids, serviceDomain: host };
}

/**
 * A copy of the HTTP Request variant (`flow-http.json`) with your ids in place of its
 * placeholders.
 *
 * @throws InvalidIdError listing every id that is malformed, missing or still a placeholder.
 * @throws FlowFormatError when the flow holds no placeholder (already filled?).
 * @example
 * const filled = fillHttpFlow(loadFlow(HTTP_FLOW_PATH), {
 *   workflowSid: 'WW…', taskChannel: 'TC…', contextUrl: 'https://hooks.example.com/caller-context',
 * });
 */
export function fillHttpFlow(flow: FlowDefinition, ids: HttpFlowIds): FlowDefinition {
  const values = validateHttpIds(ids);
  const text = JSON.stringify(flow);
  const placeholders: [string, string][] = [
    [PLACEHOLDERS.workflowSid, values.workflowSid],
    [PLACEHOLDERS.taskChannel, values.taskChannel],
    [CONTEXT_URL_PLACEHOLDER, values.contextUrl],
  ];
  if (!placeholders.some(([placeholder]) => text.includes(placeholder))) {
    throw new FlowFormatError(
      'the flow holds no placeholder to fill (already filled?): start from the example flow-http.json',
    );
  }
  const replace = (value: string): string =>
    placeholders.reduce((result, [placeholder, id]) => result.split(placeholder).join(id), value);
  return parseFlow(mapStrings(structuredClone(flow), replace));
}

/**
 * Checks the HTTP Request variant's ids as {@link fillHttpFlow} does.
 *
 * @throws InvalidIdError listing every bad id at once.
 */
export function validateHttpIds(ids: HttpFlowIds): HttpFlowIds {
  const problems = sidProblems(ids, ['workflowSid', 'taskChannel']);
  const url: unknown = ids.contextUrl;
  const problem = contextUrlProblem(url);
  if (problem !== undefined) problems.push({ id: 'contextUrl', message: `contextUrl ${problem}` });
  else if (url === CONTEXT_URL_PLACEHOLDER) {
    problems.push({
      id: 'contextUrl',
      message: `contextUrl is still the placeholder ${CONTEXT_URL_PLACEHOLDER}: give your handler's URL`,
    });
  }
  if (problems.length > 0) throw new InvalidIdError(problems);
  return ids;
}

/**
 * What is wrong with the HTTP Request widget's URL, or `undefined`. Twilio signs the URL
 * exactly as written, so it must be the one the handler checks against: https (the
 * caller's number goes in the body), no query string (a second place for parameters, and
 * a place secrets end up in logs), no credentials (they would sit in the flow's definition).
 */
function contextUrlProblem(value: unknown): string | undefined {
  let url: URL;
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    url = new URL(value);
  } catch {
    return `must be ${CONTEXT_URL_FORMAT}, got ${show(value)}`;
  }
  if (url.protocol !== 'https:') return `must be an https URL, got ${show(value)}`;
  if (url.username !== '' || url.password !== '')
    return 'must not hold credentials (user:password@): the handler checks Twilio’s signature instead';
  if (url.search !== '' || (value as string).includes('?'))
    return `must have no query string: send parameters in the body, got ${show(value)}`;
  if (url.hash !== '') return `must have no #fragment, got ${show(value)}`;
  return undefined;
}

/** The sids among `names` that are malformed, missing or still their placeholder, in order. */
function sidProblems(
  ids: Partial<Record<keyof typeof SID_IDS, unknown>>,
  names: readonly (keyof typeof SID_IDS)[],
): IdProblem[] {
  const problems: IdProblem[] = [];
  for (const id of names) {
    const { prefix, what } = SID_IDS[id];
    const value = ids[id];
    if (typeof value !== 'string' || !new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value)) {
      problems.push({
        id,
        message: `${id} must be ${prefix} followed by 32 hex digits (${what}), got ${show(value)}`,
      });
    } else if (value.toUpperCase() === PLACEHOLDERS[id].toUpperCase()) {
      problems.push({ id, message: `${id} is still the placeholder ${value}: give ${what}` });
    }
  }
  return problems;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`, 'i');

function domainProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `must be a host name, got ${show(value)}`;
  if (value.includes('://'))
    return `must be the host name only, without ${value.slice(0, value.indexOf('://') + 3)}: got ${show(value)}`;
  if (value.includes('/')) return `must be the host name only, without a path: got ${show(value)}`;
  if (value.length > 253 || !HOST.test(value)) {
    return `must be a host name such as sticky-calls-1234-dev.twil.io, got ${show(value)}`;
  }
  return undefined;
}

function show(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'nothing' : typeof value;
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

// ---------------------------------------------------------------------------
// Render

/** Attributes Flex adds to a voice task, next to those of the template. */
export interface FlexVoiceAttributes {
  call_sid: string;
  from: string;
  to: string;
  caller: string;
  called: string;
  direction: 'inbound';
}

/** A voice task's attributes: the template's, plus {@link FlexVoiceAttributes}. */
export type TaskAttributes = Record<string, unknown> & FlexVoiceAttributes;

/** What {@link renderTaskAttributes} needs to know about a call. */
export interface CallInput {
  /** The caller, as Twilio sends it (`trigger.call.From`). */
  from: string;
  /** The number called (`trigger.call.To`). */
  to: string;
  /** `trigger.call.CallSid`. */
  callSid: string;
  /** The Function's answer, as Studio parses it into `widgets.NAME.parsed`; ignored when `failed`. */
  parsed: Readonly<Record<string, unknown>>;
  /** Whether the Run Function widget failed (no 2xx within 10 s): then the failure branch renders. */
  failed?: boolean;
}

/**
 * The task attributes a call gets from the flow: the success (or failure) branch's
 * Send to Flex template rendered as Studio would, then what Flex adds to voice tasks.
 *
 * @throws RenderError when the template does not render to a JSON object (a value it
 *   needs is missing, an unsupported Liquid construct), or the branch does not end in
 *   exactly one Send to Flex.
 * @example
 * const attributes = renderTaskAttributes(loadFlow(), {
 *   from: '+14155551234', to: '+18005550100', callSid: 'CA…', parsed: answerOfTheFunction,
 * });
 * readCallerContext(attributes).state // 'ready'
 */
export function renderTaskAttributes(flow: FlowDefinition, input: CallInput): TaskAttributes {
  const branches = analyse(flow);
  const failed = input.failed === true;
  const ends = failed ? branches.failure : branches.success;
  const label = failed ? 'failure' : 'success';
  const only = ends[0];
  if (only === undefined || ends.length !== 1) {
    const found = ends.map((state) => state.name).join(', ') || 'none';
    throw new RenderError(
      `the ${label} branch must end in exactly one send-to-flex state (found: ${found})${
        branches.problems.length > 0 ? `; ${branches.problems.join('; ')}` : ''
      }`,
    );
  }
  const template = only.properties.attributes;
  if (typeof template !== 'string') {
    throw new RenderError(`${only.name}: properties.attributes must be a string holding the JSON template`);
  }
  const attributes = renderAttributes(
    template,
    studioContext(branches.functionName ?? 'caller_context', input, failed),
  );
  return { ...attributes, ...flexVoiceAttributes(input) };
}

/**
 * Renders a Send to Flex template with the Liquid subset Studio's templates here use:
 * `{{path}}` (inside a JSON string, the value is JSON-escaped) and `{{path | to_json}}`.
 * Returns the parsed JSON object.
 *
 * @throws RenderError when a value is missing, the template uses anything else, or the
 *   result is not a JSON object.
 */
export function renderAttributes(
  template: string,
  context: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const text = renderTemplate(template, context);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RenderError(`the rendered attributes are not JSON (${(error as Error).message}): ${text}`);
  }
  if (!isRecord(value)) throw new RenderError(`the rendered attributes are not a JSON object: ${text}`);
  return value;
}

/**
 * Renders a template to text with the Liquid subset: `{{path}}` and `{{path | to_json}}`.
 * A `{{path}}` inside a JSON string is JSON-escaped (a quote in a value cannot break the
 * JSON); `to_json` must stand outside quotes.
 *
 * @throws RenderError on a missing `to_json` value or an unsupported construct.
 */
export function renderTemplate(template: string, context: Readonly<Record<string, unknown>>): string {
  let output = '';
  let inString = false;
  let last = 0;
  const literal = (text: string) => {
    if (text.includes('{%')) throw new RenderError('Liquid tags ({% … %}) are not supported here');
    if (text.includes('{{'))
      throw new RenderError(`an output tag is not closed: ${text.slice(text.indexOf('{{'))}`);
    output += text;
    inString = jsonStringState(text, inString);
  };
  for (const match of template.matchAll(/\{\{(.*?)\}\}/gs)) {
    literal(template.slice(last, match.index));
    output += renderOutput(match[1] ?? '', context, inString);
    last = match.index + match[0].length;
  }
  literal(template.slice(last));
  return output;
}

function renderOutput(
  expression: string,
  context: Readonly<Record<string, unknown>>,
  inString: boolean,
): string {
  const tag = `{{${expression}}}`;
  const [path = '', ...filters] = expression.split('|').map((part) => part.trim());
  if (!/^[A-Za-z_][\w-]*(?:\.[\w-]+)*$/.test(path)) {
    throw new RenderError(
      `${tag}: only a dotted path (such as widgets.caller_context.parsed.sticky_calls) is supported`,
    );
  }
  if (filters.length > 1 || (filters.length === 1 && filters[0] !== 'to_json')) {
    throw new RenderError(`${tag}: only the to_json filter is supported`);
  }
  const value = lookup(context, path);
  if (filters.length === 1) {
    if (inString)
      throw new RenderError(`${tag} is inside quotes: to_json writes a JSON value, leave it unquoted`);
    if (value === undefined) throw new RenderError(`${tag}: ${path} has no value here`);
    return JSON.stringify(value);
  }
  if (isRecord(value) || Array.isArray(value)) {
    throw new RenderError(`${tag} inserts an object: use {{${path} | to_json}}, unquoted`);
  }
  const text = value === undefined || value === null ? '' : String(value);
  return inString ? JSON.stringify(text).slice(1, -1) : text;
}

/** Whether the JSON text after `text` is inside a string, given the state before it. */
function jsonStringState(text: string, inString: boolean): boolean {
  let inside = inString;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inside && char === '\\') index += 1;
    else if (char === '"') inside = !inside;
  }
  return inside;
}

function lookup(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
    else if (isRecord(value) && Object.hasOwn(value, key)) value = value[key];
    else return undefined;
  }
  return value;
}

/** The variables a Send to Flex template sees, as Studio names them. */
function studioContext(functionName: string, input: CallInput, failed: boolean): Record<string, unknown> {
  return {
    trigger: {
      call: {
        From: input.from,
        To: input.to,
        CallSid: input.callSid,
        Caller: input.from,
        Called: input.to,
        Direction: 'inbound',
        CallStatus: 'ringing',
      },
    },
    widgets: {
      [functionName]: failed ? {} : { status_code: 200, parsed: input.parsed },
    },
    flow: { channel: { address: input.to }, variables: {}, data: {} },
  };
}

function flexVoiceAttributes(input: Pick<CallInput, 'from' | 'to' | 'callSid'>): FlexVoiceAttributes {
  return {
    call_sid: input.callSid,
    from: input.from,
    to: input.to,
    caller: input.from,
    called: input.to,
    direction: 'inbound',
  };
}

// ---------------------------------------------------------------------------
// Check

/** Options of {@link checkFlow}. */
export interface CheckOptions {
  /**
   * Whether the flow should be filled: then a placeholder left is a problem.
   * @default false
   */
  filled?: boolean;
  /**
   * The writer options the caller-context Function uses (its `attributes` option), for
   * the largest context it can produce.
   * @default {}
   */
  attributes?: AttributeWriterOptions;
}

/** What {@link inspectFlow} found: the problems, and figures for a summary. */
export interface FlowReport {
  /** Empty when the flow is fine. */
  problems: string[];
  states: { name: string; type: string; next: string[] }[];
  /** Each Send to Flex template reached from the Function, with its length. */
  templates: { state: string; branch: 'success' | 'failure'; length: number }[];
  /**
   * Largest serialised task attributes the flow can produce (the writer's largest
   * context, E.164 numbers), Flex's voice keys included; `undefined` when it could not
   * be rendered (see problems).
   */
  worstCase: number | undefined;
  /** TaskRouter's limit, 4,096. */
  limit: number;
}

/**
 * What would go wrong with this flow in Studio, TaskRouter or the agent's panel.
 * Empty when it is fine.
 *
 * Checks that the trigger sends calls to a Run Function whose success and failure
 * branches both end in Send to Flex; that every transition leads to a state; the ids
 * and the Function's parameters; that each template is at most 1,024 characters,
 * renders to JSON, never sets what Flex sets (`from`, `call_sid`, …) and keeps
 * `type`/`name`; that a real answer reads back as a ready context and a failure as a
 * degraded one; and that the largest context the writer can produce, with Flex's
 * voice keys, fits TaskRouter's 4,096 characters. With `filled`, that no placeholder is left.
 *
 * @example
 * checkFlow(loadFlow()) // []
 * checkFlow(loadFlow('flow.filled.json'), { filled: true })
 */
export function checkFlow(flow: FlowDefinition, options: CheckOptions = {}): string[] {
  return inspectFlow(flow, options).problems;
}

/** {@link checkFlow}'s problems, with the figures a summary shows. */
export function inspectFlow(flow: FlowDefinition, options: CheckOptions = {}): FlowReport {
  const branches = analyse(flow);
  const problems = [...branches.problems];
  const report: FlowReport = {
    problems,
    states: flow.states.map((state) => ({
      name: state.name,
      type: state.type,
      next: state.transitions.flatMap((transition) =>
        transition.next === undefined ? [] : [`${transition.event} → ${transition.next}`],
      ),
    })),
    templates: [],
    worstCase: undefined,
    limit: TASK_ATTRIBUTES_LIMIT,
  };

  let writer: ReturnType<typeof resolveAttributeWriterOptions> | undefined;
  try {
    writer = resolveAttributeWriterOptions(options.attributes);
  } catch (error) {
    problems.push(`attributes option: ${(error as Error).message}`);
  }

  if (branches.functionState !== undefined) problems.push(...checkFunction(branches.functionState));

  let worst: number | undefined = 0;
  const sizes = (size: number | undefined) => {
    worst = size === undefined || worst === undefined ? undefined : Math.max(worst, size);
  };
  for (const [branch, ends] of [
    ['success', branches.success],
    ['failure', branches.failure],
  ] as const) {
    for (const state of ends) {
      const template = state.properties.attributes;
      if (typeof template === 'string') {
        report.templates.push({ state: state.name, branch, length: template.length });
      }
      const checked = checkSendToFlex(state, branch, branches.functionName ?? 'caller_context', writer);
      problems.push(...checked.problems);
      sizes(checked.worstCase);
    }
  }
  report.worstCase = branches.success.length + branches.failure.length > 0 ? worst : undefined;

  if (options.filled === true) {
    const text = JSON.stringify(flow);
    for (const [id, placeholder] of [
      ...Object.entries(PLACEHOLDERS),
      ['contextUrl', CONTEXT_URL_PLACEHOLDER],
    ]) {
      if (text.includes(placeholder as string))
        problems.push(`the placeholder ${placeholder} (${id}) is still in the flow`);
    }
  }
  return report;
}

interface Branches {
  problems: string[];
  functionName: string | undefined;
  functionState: FlowState | undefined;
  success: FlowState[];
  failure: FlowState[];
}

/** The structure: states, transitions, and the Send to Flex states each branch ends in. */
function analyse(flow: FlowDefinition): Branches {
  const problems: string[] = [];
  const byName = new Map<string, FlowState>();
  for (const state of flow.states) {
    if (byName.has(state.name)) problems.push(`two states are named "${state.name}"`);
    byName.set(state.name, state);
  }
  for (const state of flow.states) {
    for (const transition of state.transitions) {
      if (transition.next !== undefined && !byName.has(transition.next)) {
        problems.push(
          `${state.name}: the "${transition.event}" transition goes to "${transition.next}", which is not a state of the flow`,
        );
      }
    }
  }
  const result: Branches = {
    problems,
    functionName: undefined,
    functionState: undefined,
    success: [],
    failure: [],
  };

  const trigger = byName.get(flow.initial_state);
  if (trigger === undefined) {
    problems.push(`initial_state "${flow.initial_state}" is not a state of the flow`);
    return result;
  }
  if (trigger.type !== 'trigger') {
    problems.push(`the initial state "${trigger.name}" must be of type trigger, not ${trigger.type}`);
    return result;
  }
  const incoming = trigger.transitions.find((transition) => transition.event === 'incomingCall')?.next;
  if (incoming === undefined) {
    problems.push(
      `${trigger.name}: no incomingCall transition leads anywhere, so calls never reach the Function`,
    );
    return result;
  }
  const fn = byName.get(incoming);
  if (fn === undefined) return result;
  if (fn.type !== 'run-function' && fn.type !== 'make-http-request') {
    problems.push(
      `${trigger.name}: incomingCall must go to the caller-context lookup (run-function, or make-http-request for a handler outside Twilio), but "${fn.name}" is ${fn.type}`,
    );
    return result;
  }
  result.functionName = fn.name;
  result.functionState = fn;
  result.success = branchEnds(fn, 'success', 'the success branch', byName, problems);
  result.failure = branchEnds(fn, 'fail', 'the failure branch', byName, problems);
  return result;
}

/** The Send to Flex states a branch ends in, following set-variables and split-based-on. */
function branchEnds(
  from: FlowState,
  event: string,
  label: string,
  byName: ReadonlyMap<string, FlowState>,
  problems: string[],
): FlowState[] {
  const first = from.transitions.find((transition) => transition.event === event)?.next;
  if (first === undefined) {
    problems.push(
      `${from.name}: no "${event}" transition, so ${label} ends the call without sending it to Flex`,
    );
    return [];
  }
  const ends: FlowState[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const state = byName.get(name);
    if (state === undefined || seen.has(name)) return; // a missing state is reported already
    seen.add(name);
    if (state.type === 'send-to-flex') {
      ends.push(state);
      return;
    }
    if (state.type !== 'set-variables' && state.type !== 'split-based-on') {
      problems.push(`${label} goes through "${state.name}" (${state.type}): end it in a send-to-flex`);
      return;
    }
    for (const transition of state.transitions) {
      if (transition.next === undefined) {
        problems.push(
          `${label} ends at "${state.name}" (${transition.event}) without a send-to-flex: the call would not reach Flex`,
        );
      } else visit(transition.next);
    }
  };
  visit(first);
  return ends;
}

function checkFunction(state: FlowState): string[] {
  return [
    ...(state.type === 'make-http-request' ? checkHttpRequest(state) : checkRunFunction(state)),
    ...checkParameters(state),
  ];
}

/** Run Function: the Function's sids and https URL. */
function checkRunFunction(state: FlowState): string[] {
  const problems: string[] = [];
  const { properties } = state;
  for (const [key, prefix] of [
    ['service_sid', 'ZS'],
    ['environment_sid', 'ZE'],
    ['function_sid', 'ZH'],
  ] as const) {
    const value = properties[key];
    if (typeof value !== 'string' || !new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value)) {
      problems.push(`${state.name}: ${key} must be ${prefix} followed by 32 hex digits, got ${show(value)}`);
    }
  }
  const url = properties.url;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:')
    problems.push(`${state.name}: url must be the Function's https URL, got ${show(url)}`);
  return problems;
}

/**
 * HTTP Request, to a handler outside Twilio: a form POST (Twilio signs a form's
 * parameters in X-Twilio-Signature), to an https URL the handler checks signatures
 * against, without "Authenticate with Twilio", which would send the account's
 * credentials to that handler.
 */
function checkHttpRequest(state: FlowState): string[] {
  const problems: string[] = [];
  const { properties } = state;
  if (properties.method !== 'POST') {
    problems.push(
      `${state.name}: method must be POST (the parameters go in a signed form body), got ${show(properties.method)}`,
    );
  }
  const contentType = properties.content_type;
  if (typeof contentType !== 'string' || !/^application\/x-www-form-urlencoded\b/.test(contentType)) {
    problems.push(
      `${state.name}: content_type must be application/x-www-form-urlencoded;charset=utf-8 (Form URL Encoded), got ${show(contentType)}`,
    );
  }
  if (properties.add_twilio_auth === true) {
    problems.push(
      `${state.name}: "Authenticate with Twilio" (add_twilio_auth) must be off: it sends the account's credentials to the handler, which checks Twilio's signature instead`,
    );
  }
  if (typeof properties.body === 'string' && properties.body.trim() !== '') {
    problems.push(
      `${state.name}: the request body must be empty: the handler reads the parameters (From, To, CallSid)`,
    );
  }
  const problem = contextUrlProblem(properties.url);
  if (problem !== undefined) problems.push(`${state.name}: url ${problem}`);
  return problems;
}

/** The parameters the handler reads, from the trigger, on either widget. */
function checkParameters(state: FlowState): string[] {
  const problems: string[] = [];
  const { properties } = state;
  const parameters = Array.isArray(properties.parameters) ? (properties.parameters as unknown[]) : [];
  const given = new Map(
    parameters.flatMap((parameter) =>
      isRecord(parameter) && typeof parameter.key === 'string'
        ? [[parameter.key, parameter.value] as const]
        : [],
    ),
  );
  for (const [key, value] of [
    ['From', '{{trigger.call.From}}'],
    ['To', '{{trigger.call.To}}'],
    ['CallSid', '{{trigger.call.CallSid}}'],
  ] as const) {
    if (given.get(key) !== value) {
      problems.push(`${state.name}: the parameter ${key} must be ${value}, got ${show(given.get(key))}`);
    }
  }
  return problems;
}

const SAMPLE_CALL = {
  from: '+14155551234',
  to: '+18005550100',
  callSid: `CA${'0123456789abcdef'.repeat(2)}`,
} as const;

/** E.164 numbers are at most 16 characters: the longest `from`, `to`, `caller`, `called`. */
const LONGEST_CALL = {
  from: `+${'9'.repeat(15)}`,
  to: `+${'8'.repeat(15)}`,
  callSid: `CA${'f'.repeat(32)}`,
} as const;

function checkSendToFlex(
  state: FlowState,
  branch: 'success' | 'failure',
  functionName: string,
  writer: ReturnType<typeof resolveAttributeWriterOptions> | undefined,
): { problems: string[]; worstCase: number | undefined } {
  const where = `${state.name} (${branch} branch)`;
  const problems: string[] = [];
  const { properties } = state;
  if (typeof properties.workflow !== 'string' || !/^WW[0-9a-fA-F]{32}$/.test(properties.workflow)) {
    problems.push(
      `${where}: workflow must be WW followed by 32 hex digits, got ${show(properties.workflow)}`,
    );
  }
  if (typeof properties.channel !== 'string' || !/^TC[0-9a-fA-F]{32}$/.test(properties.channel)) {
    problems.push(`${where}: channel must be the task channel's sid (TC…), got ${show(properties.channel)}`);
  }
  const template = properties.attributes;
  if (typeof template !== 'string') {
    problems.push(`${where}: attributes must be a string holding the JSON template`);
    return { problems, worstCase: undefined };
  }
  if (template.length > ATTRIBUTES_TEMPLATE_LIMIT) {
    problems.push(
      `${where}: the attributes template has ${template.length} characters; Studio takes at most ${ATTRIBUTES_TEMPLATE_LIMIT}`,
    );
  }

  // A real-looking answer (or none, on the failure branch): renders, keeps Flex's keys, reads back.
  const sample = toTaskAttributes(sampleResponse());
  let attributes: Record<string, unknown>;
  try {
    attributes = renderAttributes(
      template,
      studioContext(functionName, { ...SAMPLE_CALL, parsed: sample }, branch === 'failure'),
    );
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
    return { problems, worstCase: undefined };
  }
  for (const key of FLEX_VOICE_KEYS) {
    if (Object.hasOwn(attributes, key)) {
      problems.push(`${where}: the template sets "${key}", which Flex sets on voice tasks: remove it`);
    }
  }
  if (attributes.type !== 'inbound') {
    problems.push(`${where}: the template must keep Flex's "type": "inbound", got ${show(attributes.type)}`);
  }
  if (attributes.name !== SAMPLE_CALL.from) {
    problems.push(`${where}: the template must keep Flex's "name": "{{trigger.call.From}}"`);
  }
  const read = readCallerContext({ ...attributes, ...flexVoiceAttributes(SAMPLE_CALL) });
  if (branch === 'success' && !(read.state === 'ready' && read.layout === 'namespaced')) {
    problems.push(
      `${where}: a successful answer must read back as a ready context from "${ATTRIBUTE_KEY}", but reads as ${describeState(read)}`,
    );
  }
  if (branch === 'failure' && read.state !== 'degraded') {
    problems.push(
      `${where}: the attributes must read back as a degraded context (the panel then shows "context unavailable"), but read as ${describeState(read)}`,
    );
  }

  // The largest context the writer can produce, and the longest numbers.
  if (writer === undefined) return { problems, worstCase: undefined };
  const largest = largestCallerContext(writer);
  let rendered: Record<string, unknown>;
  try {
    rendered = renderAttributes(
      template,
      studioContext(functionName, { ...LONGEST_CALL, parsed: largest.attributes }, branch === 'failure'),
    );
  } catch (error) {
    problems.push(`${where}: with the largest context: ${(error as Error).message}`);
    return { problems, worstCase: undefined };
  }
  const size =
    JSON.stringify({ ...rendered, ...flexVoiceAttributes(LONGEST_CALL) }).length +
    (branch === 'success' ? largest.slack : 0);
  if (size > TASK_ATTRIBUTES_LIMIT) {
    problems.push(
      `${where}: with the largest context the writer can produce, the task attributes take ${size} characters; TaskRouter takes at most ${TASK_ATTRIBUTES_LIMIT}`,
    );
  }
  return { problems, worstCase: size };
}

function describeState(state: ReturnType<typeof readCallerContext>): string {
  switch (state.state) {
    case 'ready':
      return `ready (${state.layout} layout)`;
    case 'degraded':
      return `degraded (${state.reason})`;
    case 'invalid':
      return `invalid (${state.problem})`;
    case 'absent':
      return 'absent';
  }
}

// ---------------------------------------------------------------------------
// Contexts

function sampleResponse(): StartCallResponse {
  return {
    ...startCallResponseSchema.parse({
      customer_ref: 'cust_8f14e45fceea167a',
      call_start: '2025-01-15T10:30:00Z',
      identity: { confidence: 0.92, level: 'high', sources: ['ani:mobile'], recommendation: 'reuse' },
      open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
      variables: {
        name: { value: 'Ada "the Countess" Lovelace', source: 'agent', ttl_seconds: null },
        order_id: { value: 'A-1042', source: 'agent', ttl_seconds: 2592000 },
      },
    }),
    call_id: SAMPLE_CALL.callSid,
  };
}

/** The largest context the writer produces, and how far each layout is from its budget. */
export interface LargestContext {
  /** What the caller-context Function answers for a caller with a lot of history. */
  attributes: CallerContextAttributes;
  /** Serialised size of `sticky_calls` and of the flat keys together, as the writer measures them. */
  namespacedLength: number;
  flatLength: number;
  /** Characters left in the two budgets: a larger context could take at most these more. */
  slack: number;
}

/**
 * The largest caller context the writer produces with these options: a start
 * response with many long variables (quotes and backslashes included, so escapes
 * count) and many open intents, cut down by `toTaskAttributes` until both budgets are
 * full to within a few dozen characters; `slack` says how many.
 */
export function largestCallerContext(options: AttributeWriterOptions = {}): LargestContext {
  const resolved = resolveAttributeWriterOptions(options);
  const long = (seed: string, length: number) =>
    `${seed} "quoted" \\path\\ ${'x'.repeat(length)}`.slice(0, length);
  const variables: Record<string, { value: string; source: string; ttl_seconds: number | null }> = {};
  // The first priority variable is over-long (it is cut), the others medium; then many
  // short ones, which fill each budget to within a few dozen characters; then long ones.
  resolved.priorityVariables.forEach((name, index) => {
    variables[name] = { value: long(name, index === 0 ? 1000 : 60), source: 'agent', ttl_seconds: 31536000 };
  });
  for (let index = 0; index < 400; index += 1) {
    const name = `note_${String(index).padStart(3, '0')}`;
    variables[name] = { value: long(name, 12 + (index % 7)), source: 'agent', ttl_seconds: 86400 };
  }
  for (let index = 0; index < 40; index += 1) {
    const name = `history_${String(index).padStart(2, '0')}`;
    variables[name] = { value: long(name, 300), source: 'crm', ttl_seconds: null };
  }
  const response: StartCallResponse = {
    ...startCallResponseSchema.parse({
      customer_ref: `cust_${'0123456789abcdef'.repeat(4)}`,
      call_start: '2025-12-31T23:59:59.999+00:00',
      identity: {
        confidence: 0.987654321,
        level: 'very_high',
        sources: ['ani:mobile', 'external_id', 'recency:1day', 'dnis:match'],
        recommendation: 'reuse',
      },
      open_intents: Array.from({ length: 60 }, (_, index) => ({
        intent: `intent_${String(index).padStart(2, '0')}_${'billing_dispute_follow_up'.repeat(2)}`,
        status: 'open',
        attempt_count: 100 + index,
      })),
      variables,
    }),
    call_id: LONGEST_CALL.callSid,
  };
  const attributes = toTaskAttributes(response, options);
  const { [ATTRIBUTE_KEY]: namespaced, ...flat } = attributes;
  const namespacedLength = JSON.stringify(namespaced).length;
  const flatLength = JSON.stringify(flat).length;
  return {
    attributes,
    namespacedLength,
    flatLength,
    slack: resolved.budget - namespacedLength + (resolved.flatBudget - flatLength),
  };
}

// ---------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}

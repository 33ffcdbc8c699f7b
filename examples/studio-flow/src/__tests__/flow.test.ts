import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ATTRIBUTE_KEY,
  createStickyCallsClient,
  degradedTaskAttributes,
  readCallerContext,
  TASK_ATTRIBUTES_LIMIT,
} from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { createCallerContextHandler } from '@stickycalls/twilio-function-adapter';
import { createFakeContext, FakeResponse, invoke } from '@stickycalls/twilio-function-adapter/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_TEMPLATE_LIMIT,
  checkFlow,
  FLEX_VOICE_KEYS,
  type FlowDefinition,
  FlowFormatError,
  type FlowIds,
  type FlowState,
  fillFlow,
  InvalidIdError,
  inspectFlow,
  largestCallerContext,
  loadFlow,
  PLACEHOLDERS,
  RenderError,
  renderTaskAttributes,
  validateIds,
} from '../flow.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CALLER = '+14155551234';
const CALLED = '+18005550100';
const CALL_SID = `CA${'ab'.repeat(16)}`;

const IDS: FlowIds = {
  workflowSid: `WW${'1a'.repeat(16)}`,
  taskChannel: `TC${'2b'.repeat(16)}`,
  serviceSid: `ZS${'3c'.repeat(16)}`,
  environmentSid: `ZE${'4d'.repeat(16)}`,
  functionSid: `ZH${'5e'.repeat(16)}`,
  serviceDomain: 'sticky-calls-1234-dev.twil.io',
};

const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** What `attempt` throws; fails the test when it throws nothing. */
function thrown(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

function state(flow: FlowDefinition, name: string): FlowState {
  const found = flow.states.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no state ${name}`);
  return found;
}

/** A copy of the shipped flow, changed by `edit`. */
function edited(edit: (flow: FlowDefinition) => void): FlowDefinition {
  const flow = structuredClone(loadFlow());
  edit(flow);
  return flow;
}

function templateOf(flow: FlowDefinition, name: string): string {
  const template = state(flow, name).properties.attributes;
  if (typeof template !== 'string') throw new Error(`${name} has no template`);
  return template;
}

describe('the shipped flow', () => {
  const flow = loadFlow();

  it('passes every check but the placeholders, which are left for fill', () => {
    expect(checkFlow(flow)).toEqual([]);
    const problems = checkFlow(flow, { filled: true });
    expect(problems).toHaveLength(Object.keys(PLACEHOLDERS).length);
    for (const placeholder of Object.values(PLACEHOLDERS)) {
      expect(problems.some((problem) => problem.includes(placeholder))).toBe(true);
    }
  });

  it('runs the protected /caller-context Function with From, To and CallSid, then Send to Flex on both branches', () => {
    expect(flow.initial_state).toBe('Trigger');
    expect(state(flow, 'Trigger').transitions).toContainEqual({
      event: 'incomingCall',
      next: 'caller_context',
    });
    const fn = state(flow, 'caller_context');
    expect(fn.type).toBe('run-function');
    expect(fn.properties).toMatchObject({
      service_sid: PLACEHOLDERS.serviceSid,
      environment_sid: PLACEHOLDERS.environmentSid,
      function_sid: PLACEHOLDERS.functionSid,
      url: `https://${PLACEHOLDERS.serviceDomain}/caller-context`,
      parameters: [
        { key: 'From', value: '{{trigger.call.From}}' },
        { key: 'To', value: '{{trigger.call.To}}' },
        { key: 'CallSid', value: '{{trigger.call.CallSid}}' },
      ],
    });
    expect(fn.transitions).toEqual([
      { next: 'send_to_flex', event: 'success' },
      { next: 'send_to_flex_no_context', event: 'fail' },
    ]);
    for (const name of ['send_to_flex', 'send_to_flex_no_context']) {
      expect(state(flow, name)).toMatchObject({
        type: 'send-to-flex',
        properties: { workflow: PLACEHOLDERS.workflowSid, channel: PLACEHOLDERS.taskChannel },
      });
    }
  });

  it('has placeholder ids with the right prefixes and lengths', () => {
    for (const [id, placeholder] of Object.entries(PLACEHOLDERS)) {
      if (id !== 'serviceDomain') expect(placeholder).toMatch(/^(WW|TC|ZS|ZE|ZH)0{32}$/);
    }
  });

  it('has templates within Studio’s 1,024 characters, passing objects unquoted with to_json', () => {
    const success = templateOf(flow, 'send_to_flex');
    const failure = templateOf(flow, 'send_to_flex_no_context');
    expect(success.length).toBeLessThanOrEqual(ATTRIBUTES_TEMPLATE_LIMIT);
    expect(failure.length).toBeLessThanOrEqual(ATTRIBUTES_TEMPLATE_LIMIT);
    expect(success).toContain('"sticky_calls":{{widgets.caller_context.parsed.sticky_calls | to_json}}');
    expect(success).toContain('"variables":{{widgets.caller_context.parsed.variables | to_json}}');
    expect(success.startsWith('{"type":"inbound","name":"{{trigger.call.From}}",')).toBe(true);
    expect(failure).not.toContain('widgets.');
  });

  it('keeps the largest context the writer can produce, with Flex’s voice keys, under 4,096 characters', () => {
    const largest = largestCallerContext();
    // Both budgets (2,048 and 1,024 by default) are full, to within a short variable.
    expect(largest.namespacedLength).toBeGreaterThan(2048 - 64);
    expect(largest.namespacedLength).toBeLessThanOrEqual(2048);
    expect(largest.flatLength).toBeGreaterThan(1024 - 64);
    expect(largest.flatLength).toBeLessThanOrEqual(1024);
    expect(largest.attributes[ATTRIBUTE_KEY].truncated).toBe(true);

    const attributes = renderTaskAttributes(flow, {
      from: `+${'9'.repeat(15)}`,
      to: `+${'8'.repeat(15)}`,
      callSid: CALL_SID,
      parsed: largest.attributes,
    });
    const size = JSON.stringify(attributes).length + largest.slack;
    expect(size).toBeLessThanOrEqual(TASK_ATTRIBUTES_LIMIT);
    const report = inspectFlow(flow);
    expect(report.worstCase).toBe(size);
    expect(report.limit).toBe(TASK_ATTRIBUTES_LIMIT);
  });

  it('still fits with the largest budgets the writer allows', () => {
    for (const attributes of [{ budget: 2560 }, { budget: 3072, flatBudget: 512 }]) {
      const report = inspectFlow(loadFlow(), { attributes });
      expect(report.problems).toEqual([]);
      expect(report.worstCase).toBeLessThanOrEqual(TASK_ATTRIBUTES_LIMIT);
    }
  });
});

describe('fillFlow', () => {
  it('replaces every placeholder, and the filled flow passes every check', () => {
    const flow = loadFlow();
    const filled = fillFlow(flow, IDS);
    const text = JSON.stringify(filled);
    for (const placeholder of Object.values(PLACEHOLDERS)) expect(text).not.toContain(placeholder);
    expect(checkFlow(filled, { filled: true })).toEqual([]);
    expect(state(filled, 'caller_context').properties).toMatchObject({
      service_sid: IDS.serviceSid,
      environment_sid: IDS.environmentSid,
      function_sid: IDS.functionSid,
      url: 'https://sticky-calls-1234-dev.twil.io/caller-context',
    });
    for (const name of ['send_to_flex', 'send_to_flex_no_context']) {
      expect(state(filled, name).properties).toMatchObject({
        workflow: IDS.workflowSid,
        channel: IDS.taskChannel,
      });
      expect(state(filled, name).properties.attributes).toBe(state(flow, name).properties.attributes);
    }
    // The input is left as it was.
    expect(JSON.stringify(flow)).toContain(PLACEHOLDERS.workflowSid);
  });

  it('takes the domain in any case and writes it in lower case', () => {
    const filled = fillFlow(loadFlow(), { ...IDS, serviceDomain: 'Sticky-Calls-1234-DEV.twil.io' });
    expect(state(filled, 'caller_context').properties.url).toBe(
      'https://sticky-calls-1234-dev.twil.io/caller-context',
    );
  });

  it.each([
    ['workflowSid', 'WW123', /workflowSid must be WW followed by 32 hex digits/],
    ['workflowSid', `WQ${'1'.repeat(32)}`, /workflowSid must be WW/],
    ['taskChannel', 'voice', /taskChannel must be TC followed by 32 hex digits/],
    ['serviceSid', IDS.functionSid, /serviceSid must be ZS/],
    ['environmentSid', `ZE${'g'.repeat(32)}`, /environmentSid must be ZE/],
    ['functionSid', `ZH${'5e'.repeat(16)}0`, /functionSid must be ZH/],
    ['functionSid', PLACEHOLDERS.functionSid, /functionSid is still the placeholder/],
    ['serviceDomain', 'https://sticky-calls-1234-dev.twil.io', /without https:\/\//],
    ['serviceDomain', 'sticky-calls-1234-dev.twil.io/caller-context', /without a path/],
    ['serviceDomain', 'sticky calls.twil.io', /must be a host name/],
    ['serviceDomain', 'localhost', /must be a host name/],
    ['serviceDomain', '', /must be a host name/],
    ['serviceDomain', PLACEHOLDERS.serviceDomain, /still the placeholder/],
  ] as const)('rejects %s %j, naming it', (id, value, message) => {
    const error = thrown(() => fillFlow(loadFlow(), { ...IDS, [id]: value }));
    expect(error).toBeInstanceOf(InvalidIdError);
    expect((error as InvalidIdError).message).toMatch(message);
    expect((error as InvalidIdError).problems).toEqual([{ id, message: expect.stringMatching(message) }]);
  });

  it('lists every bad id in one error, in the order of the ids, each saying what it should look like', () => {
    const error = thrown(() =>
      fillFlow(loadFlow(), {
        ...IDS,
        workflowSid: 'WW123',
        environmentSid: PLACEHOLDERS.environmentSid,
        serviceDomain: 'https://sticky-calls-1234-dev.twil.io',
      }),
    );
    expect(error).toBeInstanceOf(InvalidIdError);
    const { problems, message } = error as InvalidIdError;
    expect(problems.map((problem) => problem.id)).toEqual(['workflowSid', 'environmentSid', 'serviceDomain']);
    expect(problems[0]?.message).toMatch(
      /WW followed by 32 hex digits \(your TaskRouter workflow's sid\), got "WW123"/,
    );
    expect(problems[1]?.message).toMatch(/still the placeholder .*give the service environment's sid/);
    expect(problems[2]?.message).toMatch(/host name only, without https:\/\//);
    // The message alone names them all too.
    expect(message).toMatch(/^3 ids are wrong: /);
    for (const problem of problems) expect(message).toContain(problem.message);
  });

  it('checks ids that are missing altogether, as a caller without types could pass them', () => {
    const { functionSid: _, serviceDomain: __, ...partial } = IDS;
    const error = thrown(() => validateIds(partial as FlowIds));
    expect((error as InvalidIdError).problems).toEqual([
      {
        id: 'functionSid',
        message: expect.stringMatching(/functionSid must be ZH followed by 32 hex digits .*got nothing/),
      },
      {
        id: 'serviceDomain',
        message: expect.stringMatching(/serviceDomain must be a host name.*got nothing/),
      },
    ]);
  });

  it('refuses a flow that holds no placeholder, such as one filled already', () => {
    const filled = fillFlow(loadFlow(), IDS);
    expect(() => fillFlow(filled, IDS)).toThrow(FlowFormatError);
  });
});

describe('checkFlow', () => {
  it('catches a transition to a state that does not exist', () => {
    const flow = edited((f) => {
      const fn = state(f, 'caller_context');
      fn.transitions = [
        { event: 'success', next: 'send_to_flx' },
        { event: 'fail', next: 'send_to_flex_no_context' },
      ];
    });
    expect(checkFlow(flow)).toContainEqual(
      expect.stringMatching(/"success" transition goes to "send_to_flx"/),
    );
  });

  it('catches a failure branch that does not reach Flex', () => {
    const flow = edited((f) => {
      state(f, 'caller_context').transitions = [
        { event: 'success', next: 'send_to_flex' },
        { event: 'fail' },
      ];
    });
    expect(checkFlow(flow)).toContainEqual(expect.stringMatching(/no "fail" transition.*failure branch/));
  });

  it('catches a trigger that does not send calls to the Function', () => {
    const flow = edited((f) => {
      state(f, 'Trigger').transitions = [{ event: 'incomingCall', next: 'send_to_flex' }];
    });
    expect(checkFlow(flow)).toContainEqual(
      expect.stringMatching(/incomingCall must go to the caller-context lookup \(run-function/),
    );
  });

  it('catches a template over 1,024 characters', () => {
    const flow = edited((f) => {
      const template = templateOf(f, 'send_to_flex');
      state(f, 'send_to_flex').properties.attributes = template.replace(
        '{"type":"inbound",',
        `{"type":"inbound","queue_hint":"${'x'.repeat(ATTRIBUTES_TEMPLATE_LIMIT)}",`,
      );
    });
    expect(checkFlow(flow)).toContainEqual(expect.stringMatching(/characters; Studio takes at most 1024/));
  });

  it.each(['from', 'call_sid'])('catches a template that sets %s', (key) => {
    const flow = edited((f) => {
      const template = templateOf(f, 'send_to_flex');
      state(f, 'send_to_flex').properties.attributes = template.replace(
        '{"type":"inbound",',
        `{"type":"inbound","${key}":"{{trigger.call.From}}",`,
      );
    });
    expect(checkFlow(flow)).toContainEqual(
      expect.stringMatching(new RegExp(`sets "${key}", which Flex sets`)),
    );
  });

  it('catches a template that does not render to JSON', () => {
    const flow = edited((f) => {
      state(f, 'send_to_flex').properties.attributes = templateOf(f, 'send_to_flex').replace(
        '{{widgets.caller_context.parsed.sticky_calls | to_json}}',
        '"{{widgets.caller_context.parsed.sticky_calls | to_json}}"',
      );
    });
    expect(checkFlow(flow)).toContainEqual(expect.stringMatching(/inside quotes/));
  });

  it('catches a failure template that needs the answer the failed Function did not give', () => {
    const flow = edited((f) => {
      state(f, 'send_to_flex_no_context').properties.attributes = templateOf(f, 'send_to_flex');
    });
    expect(checkFlow(flow)).toContainEqual(
      expect.stringMatching(
        /send_to_flex_no_context \(failure branch\): .*parsed\.customer_ref has no value here/,
      ),
    );
  });

  it('catches a success template that drops the namespaced context', () => {
    const flow = edited((f) => {
      state(f, 'send_to_flex').properties.attributes = templateOf(f, 'send_to_flex').replace(
        ',"sticky_calls":{{widgets.caller_context.parsed.sticky_calls | to_json}}',
        '',
      );
    });
    expect(checkFlow(flow)).toContainEqual(
      expect.stringMatching(/ready context from "sticky_calls".*flat layout/),
    );
  });

  it('catches malformed ids', () => {
    const flow = edited((f) => {
      state(f, 'send_to_flex').properties.channel = 'voice';
      state(f, 'caller_context').properties.function_sid = 'ZH123';
    });
    const problems = checkFlow(flow);
    expect(problems).toContainEqual(
      expect.stringMatching(/send_to_flex .*channel must be the task channel's sid/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/caller_context: function_sid must be ZH/));
  });

  it('catches a context the budgets let grow past 4,096 characters', () => {
    // A template that repeats the namespaced object twice: 2 × 2,048 alone is over the limit.
    const flow = edited((f) => {
      state(f, 'send_to_flex').properties.attributes = templateOf(f, 'send_to_flex').replace(
        '"sticky_calls":',
        '"copy":{{widgets.caller_context.parsed.sticky_calls | to_json}},"sticky_calls":',
      );
    });
    expect(checkFlow(flow)).toContainEqual(expect.stringMatching(/TaskRouter takes at most 4096/));
  });
});

describe('renderTaskAttributes', () => {
  let api: EmulatorServer;
  const flow = loadFlow();
  const context = () =>
    createFakeContext({ STICKY_CALLS_API_KEY: EMULATOR_API_KEY, STICKY_CALLS_BASE_URL: api.url });
  const handler = createCallerContextHandler({
    Response: FakeResponse,
    logger: silent,
    client: { retry: { initialDelayMs: 10, maxRetries: 1 } },
  });

  /** The Function's answer to a call, as Studio would parse it. */
  async function answer(callSid: string): Promise<Record<string, unknown>> {
    const invocation = await invoke(handler, {
      context: context(),
      event: { From: CALLER, To: CALLED, CallSid: callSid },
    });
    expect(invocation.statusCode).toBe(200);
    return invocation.body as Record<string, unknown>;
  }

  beforeAll(async () => {
    api = await startEmulatorServer();
  });
  afterAll(async () => {
    await api.close();
  });

  it('turns a real answer for a returning caller into task attributes the panel reads as ready', async () => {
    const first = await answer(`CA${'01'.repeat(16)}`);
    const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: api.url });
    await sticky.calls.end({
      call_id: `CA${'01'.repeat(16)}`,
      customer_ref: first.customer_ref as string,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { name: 'Ada "the Countess" Lovelace', order_id: 'A-1042' },
    });
    const parsed = await answer(CALL_SID);

    const attributes = renderTaskAttributes(flow, { from: CALLER, to: CALLED, callSid: CALL_SID, parsed });
    expect(attributes).toEqual({
      type: 'inbound',
      name: CALLER,
      customer_ref: parsed.customer_ref,
      identity_confidence: parsed.identity_confidence,
      identity_level: parsed.identity_level,
      variables: parsed.variables,
      open_intents: parsed.open_intents,
      call_start: parsed.call_start,
      sticky_calls: parsed.sticky_calls,
      call_sid: CALL_SID,
      from: CALLER,
      to: CALLED,
      caller: CALLER,
      called: CALLED,
      direction: 'inbound',
    });
    const read = readCallerContext(JSON.stringify(attributes));
    expect(read.state).toBe('ready');
    if (read.state !== 'ready') return;
    expect(read.layout).toBe('namespaced');
    expect(read.context.customer_ref).toBe(first.customer_ref);
    expect(read.context.vars).toEqual({ name: 'Ada "the Countess" Lovelace', order_id: 'A-1042' });
    expect(read.context.intents).toEqual([{ intent: 'refund_request', status: 'open', attempts: 1 }]);
    // The flat keys stay JSON strings, as in the vendor's guide.
    expect(typeof attributes.variables).toBe('string');
    expect(JSON.parse(attributes.variables as string)).toMatchObject({
      name: { value: 'Ada "the Countess" Lovelace' },
    });
  });

  it('passes a degraded answer through the success branch with its reason', async () => {
    api.emulator.inject({ type: 'status', status: 503, times: 10 });
    try {
      const parsed = await answer(`CA${'02'.repeat(16)}`);
      const attributes = renderTaskAttributes(flow, { from: CALLER, to: CALLED, callSid: CALL_SID, parsed });
      expect(readCallerContext(attributes)).toEqual({ state: 'degraded', reason: 'server_error' });
    } finally {
      api.emulator.clearFaults();
    }
  });

  it('renders the failure branch as a degraded context, so the panel shows "context unavailable"', () => {
    const attributes = renderTaskAttributes(flow, {
      from: CALLER,
      to: CALLED,
      callSid: CALL_SID,
      parsed: {},
      failed: true,
    });
    expect(readCallerContext(attributes)).toEqual({ state: 'degraded', reason: 'unknown' });
    const { type, name, ...rest } = attributes;
    expect({ type, name }).toEqual({ type: 'inbound', name: CALLER });
    for (const key of FLEX_VOICE_KEYS) delete rest[key];
    expect(rest).toEqual(degradedTaskAttributes('unknown'));
  });

  it('adds what Flex adds to voice tasks', () => {
    const attributes = renderTaskAttributes(flow, {
      from: 'anonymous',
      to: CALLED,
      callSid: CALL_SID,
      parsed: degradedTaskAttributes('no_identity_hints'),
    });
    expect(attributes).toMatchObject({
      name: 'anonymous',
      call_sid: CALL_SID,
      from: 'anonymous',
      to: CALLED,
      caller: 'anonymous',
      called: CALLED,
      direction: 'inbound',
    });
    expect(readCallerContext(attributes)).toEqual({ state: 'degraded', reason: 'no_identity_hints' });
  });

  it('JSON-escapes a value inserted inside a JSON string', () => {
    const from = 'sip:"ada"\\home@example.com';
    const attributes = renderTaskAttributes(flow, {
      from,
      to: CALLED,
      callSid: CALL_SID,
      parsed: {},
      failed: true,
    });
    expect(attributes.name).toBe(from);
  });

  it('refuses an answer without the keys the template needs', () => {
    const { sticky_calls: _, ...partial } = degradedTaskAttributes('unknown');
    expect(() =>
      renderTaskAttributes(flow, { from: CALLER, to: CALLED, callSid: CALL_SID, parsed: partial }),
    ).toThrow(/widgets\.caller_context\.parsed\.sticky_calls has no value here/);
    expect(() =>
      renderTaskAttributes(flow, { from: CALLER, to: CALLED, callSid: CALL_SID, parsed: partial }),
    ).toThrow(RenderError);
  });
});

describe('the fill CLI', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(
      process.execPath,
      ['--conditions=@stickycalls/source', '--import', 'tsx', 'src/fill.ts', ...args],
      {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ...env },
      },
    );
  const idArgs = (ids: FlowIds) => [
    '--workflow',
    ids.workflowSid,
    '--channel',
    ids.taskChannel,
    '--service',
    ids.serviceSid,
    '--environment',
    ids.environmentSid,
    '--function',
    ids.functionSid,
    '--domain',
    ids.serviceDomain,
  ];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'studio-flow-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the filled flow and prints a summary', () => {
    const out = join(dir, 'flow.filled.json');
    const result = run(['--', ...idArgs(IDS), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8')) as FlowDefinition;
    expect(written).toEqual(fillFlow(loadFlow(), IDS));
    expect(result.stdout).toMatch(/send_to_flex \(success\): \d+ of 1024 characters/);
    expect(result.stdout).toMatch(/Largest task attributes .*: \d+ of 4096 characters/);
    expect(result.stdout).toContain('twilio api:studio:v2:flows:create');
  }, 60_000);

  it('takes relative paths from the folder npm run fill-flow was typed in, as npm reports it', () => {
    // npm sets INIT_CWD; pnpm then runs the script in examples/studio-flow.
    const result = run([...idArgs(IDS), '--out', 'mine.json'], { INIT_CWD: dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'mine.json'), 'utf8'))).toEqual(fillFlow(loadFlow(), IDS));
    expect(existsSync(join(PACKAGE_DIR, 'mine.json'))).toBe(false);
  }, 60_000);

  it('exits 1 on a malformed id, naming its flag, and writes nothing', () => {
    const out = join(dir, 'bad.json');
    const result = run([...idArgs({ ...IDS, workflowSid: 'WW123' }), '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^1 problem with the arguments; nothing was written:\n/);
    expect(result.stderr).toMatch(/\n {2}- --workflow: workflowSid must be WW followed by 32 hex digits/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('reports every malformed id, missing flag and unknown flag in one run, and writes nothing', () => {
    const out = join(dir, 'many.json');
    const result = run([
      '--workflow',
      'WW123',
      '--channel',
      'voice',
      '--service',
      IDS.serviceSid,
      '--enviroment',
      IDS.environmentSid,
      '--domain',
      'https://sticky-calls-1234-dev.twil.io',
      '--colour',
      '--out',
      out,
      'stray',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('8 problems with the arguments; nothing was written:');
    expect(lines.slice(1, -1)).toEqual([
      expect.stringMatching(/^ {2}- --enviroment: unknown option; did you mean --environment\?$/),
      expect.stringMatching(/^ {2}- --colour: unknown option$/),
      expect.stringMatching(/^ {2}- "stray": unexpected argument; every value follows its option/),
      expect.stringMatching(
        /^ {2}- --workflow: workflowSid must be WW followed by 32 hex digits .*got "WW123"$/,
      ),
      expect.stringMatching(
        /^ {2}- --channel: taskChannel must be TC followed by 32 hex digits .*got "voice"$/,
      ),
      expect.stringMatching(
        /^ {2}- --environment is missing: the service environment's sid, ZE followed by 32 hex digits$/,
      ),
      expect.stringMatching(
        /^ {2}- --function is missing: the \/caller-context Function's sid, ZH followed by 32 hex digits$/,
      ),
      expect.stringMatching(/^ {2}- --domain: serviceDomain must be the host name only, without https:\/\//),
    ]);
    expect(lines.at(-1)).toBe('Run with --help for the usage.');
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('exits 1 when an id is missing, and explains itself with --help', () => {
    const missing = run(['--workflow', IDS.workflowSid, '--domain']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^5 problems with the arguments/);
    expect(missing.stderr).toContain(
      "--domain: needs a value: the environment's domain, a host name such as",
    );
    for (const flag of ['channel', 'service', 'environment', 'function'])
      expect(missing.stderr).toContain(`--${flag} is missing: `);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--workflow');
    expect(help.stdout).toContain('import');
  }, 60_000);
});

/**
 * The HTTP Request variant (`flow-http.json`), for a caller-context handler outside
 * Twilio: the same checks as the Run Function flow (one set, in flow.ts), plus what the
 * HTTP Request widget needs: a signed form POST to an https URL without a query string,
 * and never "Authenticate with Twilio". Filled by `fill-flow --variant http`; its
 * success branch renders the handler's answer as the Run Function flow renders the
 * Function's.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCallerContext } from '@stickycalls/core';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { createCallerContextHandler } from '@stickycalls/fetch-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTEXT_URL_PLACEHOLDER,
  checkFlow,
  type FlowDefinition,
  type FlowState,
  fillHttpFlow,
  HTTP_FLOW_PATH,
  type HttpFlowIds,
  InvalidIdError,
  loadFlow,
  renderTaskAttributes,
} from '../flow.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IDS: HttpFlowIds = {
  workflowSid: `WW${'1a'.repeat(16)}`,
  taskChannel: `TC${'2b'.repeat(16)}`,
  contextUrl: 'https://hooks.example.com/sticky/caller-context',
};

function lookup(flow: FlowDefinition): FlowState {
  const found = flow.states.find((state) => state.name === 'caller_context');
  if (found === undefined) throw new Error('no caller_context state');
  return found;
}

/** The filled variant, changed by `edit`. */
function edited(edit: (properties: Record<string, unknown>) => void): FlowDefinition {
  const flow = fillHttpFlow(loadFlow(HTTP_FLOW_PATH), IDS);
  edit(lookup(flow).properties as Record<string, unknown>);
  return flow;
}

describe('the shipped HTTP Request variant', () => {
  it('passes every check but its placeholders, and POSTs a form of From, To and CallSid', () => {
    const flow = loadFlow(HTTP_FLOW_PATH);
    expect(checkFlow(flow)).toEqual([]);
    expect(checkFlow(flow, { filled: true })).toEqual(
      expect.arrayContaining([expect.stringContaining(CONTEXT_URL_PLACEHOLDER)]),
    );
    expect(lookup(flow)).toMatchObject({
      type: 'make-http-request',
      properties: {
        method: 'POST',
        content_type: 'application/x-www-form-urlencoded;charset=utf-8',
        add_twilio_auth: false,
        parameters: [
          { key: 'From', value: '{{trigger.call.From}}' },
          { key: 'To', value: '{{trigger.call.To}}' },
          { key: 'CallSid', value: '{{trigger.call.CallSid}}' },
        ],
      },
    });
  });

  it('has the same Send to Flex states as the Run Function flow', () => {
    const send = (flow: FlowDefinition) => flow.states.filter((state) => state.type === 'send-to-flex');
    expect(send(loadFlow(HTTP_FLOW_PATH))).toEqual(send(loadFlow()));
  });
});

describe('fillHttpFlow', () => {
  it('puts the ids in, and the filled flow passes every check', () => {
    const filled = fillHttpFlow(loadFlow(HTTP_FLOW_PATH), IDS);
    expect(checkFlow(filled, { filled: true })).toEqual([]);
    expect(lookup(filled).properties.url).toBe(IDS.contextUrl);
    expect(JSON.stringify(filled)).toContain(IDS.workflowSid);
  });

  it.each([
    ['http', 'http://hooks.example.com/caller-context', 'must be an https URL'],
    ['a query string', 'https://hooks.example.com/caller-context?key=secret', 'no query string'],
    ['credentials', 'https://user:pass@hooks.example.com/caller-context', 'must not hold credentials'],
    ['not a URL', 'hooks.example.com/caller-context', 'public https URL'],
    ['the placeholder', CONTEXT_URL_PLACEHOLDER, 'still the placeholder'],
  ])('refuses a URL with %s, naming contextUrl', (_name, contextUrl, message) => {
    const error = (() => {
      try {
        fillHttpFlow(loadFlow(HTTP_FLOW_PATH), { ...IDS, contextUrl });
      } catch (caught) {
        return caught;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(InvalidIdError);
    expect((error as InvalidIdError).problems).toEqual([
      { id: 'contextUrl', message: expect.stringContaining(message) },
    ]);
  });
});

describe('checkFlow on the HTTP Request widget', () => {
  it.each([
    ['a GET', (p: Record<string, unknown>) => (p.method = 'GET'), 'method must be POST'],
    [
      'a JSON body',
      (p: Record<string, unknown>) => (p.content_type = 'application/json;charset=utf-8'),
      'content_type',
    ],
    [
      'Authenticate with Twilio',
      (p: Record<string, unknown>) => (p.add_twilio_auth = true),
      'add_twilio_auth',
    ],
    [
      'a request body',
      (p: Record<string, unknown>) => (p.body = 'From={{trigger.call.From}}'),
      'body must be empty',
    ],
    ['a query string', (p: Record<string, unknown>) => (p.url = `${IDS.contextUrl}?x=1`), 'no query string'],
    [
      'a wrong parameter',
      (p: Record<string, unknown>) =>
        (p.parameters = [
          { key: 'From', value: '{{trigger.call.Caller}}' },
          { key: 'To', value: '{{trigger.call.To}}' },
          { key: 'CallSid', value: '{{trigger.call.CallSid}}' },
        ]),
      'the parameter From must be {{trigger.call.From}}',
    ],
  ])('catches %s', (_name, edit, message) => {
    expect(checkFlow(edited(edit), { filled: true })).toEqual([expect.stringContaining(message)]);
  });
});

describe('the handler’s answer through the variant', () => {
  let server: Awaited<ReturnType<typeof startEmulatorServer>>;
  beforeAll(async () => {
    server = await startEmulatorServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('renders the fetch adapter’s answer to the signed form as a ready context on the task', async () => {
    const authToken = '0123456789abcdef0123456789abcdef';
    const handler = createCallerContextHandler({
      env: {
        AUTH_TOKEN: authToken,
        STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
        STICKY_CALLS_BASE_URL: server.url,
      },
      logger: { info() {}, warn() {}, error() {} },
    });
    const flow = fillHttpFlow(loadFlow(HTTP_FLOW_PATH), IDS);
    const call = { From: '+14155551234', To: '+18005550100', CallSid: `CA${'ab'.repeat(16)}` };
    // What the widget sends: its parameters as a form, signed over the URL it was given.
    const signed = Object.keys(call)
      .sort()
      .reduce((text, name) => `${text}${name}${call[name as keyof typeof call]}`, IDS.contextUrl);
    const response = await handler(
      new Request(IDS.contextUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
          'x-twilio-signature': createHmac('sha1', authToken).update(signed).digest('base64'),
        },
        body: new URLSearchParams(call).toString(),
      }),
    );
    expect(response.status).toBe(200);
    const attributes = renderTaskAttributes(flow, {
      from: call.From,
      to: call.To,
      callSid: call.CallSid,
      parsed: (await response.json()) as Record<string, unknown>,
    });
    expect(readCallerContext(attributes).state).toBe('ready');
  });
});

describe('fill-flow --variant http', () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['--conditions=@stickycalls/source', '--import', 'tsx', 'src/fill.ts', ...args],
      {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'studio-flow-http-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const args = ['--variant', 'http', '--workflow', IDS.workflowSid, '--channel', IDS.taskChannel];

  it('writes the filled variant', () => {
    const out = join(dir, 'flow-http.filled.json');
    const result = run([...args, '--url', IDS.contextUrl, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(fillHttpFlow(loadFlow(HTTP_FLOW_PATH), IDS));
  });

  it('lists every problem at once: a bad URL, a missing one, and the other variant’s flags', () => {
    const bad = run([...args, '--url', 'http://hooks.example.com/x?y=1', '--domain', 'a.twil.io']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--domain: not used by the http variant');
    expect(bad.stderr).toContain('--url: contextUrl must be an https URL');
    const missing = run(args);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('--url is missing');
    const unknown = run(['--variant', 'sip', ...args.slice(2), '--url', IDS.contextUrl]);
    expect(unknown.stderr).toContain('--variant: must be function or http');
  });
});

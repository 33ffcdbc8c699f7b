/**
 * Whose fault a failure is: the Function's settings (503 `not_configured`, an error line
 * naming them), the request (an answer that does not invite a retry), or Twilio being
 * unreachable (502, retryable). Twilio IAM is answered by msw as it answers; TaskRouter
 * is reached through the real Twilio client, answered by the TaskRouter stand-in.
 */
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createSaveContextHandler, createTaskRouter, TaskRouterError } from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import { ACCOUNT_SID, AGENT_TOKEN, AUTH_TOKEN, twilioClient, useApi, WORKSPACE_SID } from './kit.js';
import { logged } from './setup.js';

const { server, context, routedCall, taskRouter } = useApi();
const IAM_URL = 'https://iam.twilio.com/v1/Accounts/:account/Tokens/validate';
const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };
const validateToken = stubTokenValidator({
  [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'] },
});

async function save(event: Record<string, unknown>, ctx = context(), options = {}) {
  const onError = vi.fn();
  const before = logged.length;
  const answer = await invoke(createSaveContextHandler({ Response: FakeResponse, onError, ...options }), {
    context: ctx,
    event: { Token: AGENT_TOKEN, wrap_up: WRAP_UP, ...event },
  });
  return { answer, onError, lines: logged.slice(before) };
}

describe('the Flex token check (Twilio’s validator, IAM behind msw)', () => {
  const iamAnswers = (answer: () => Response) => server.use(http.post(IAM_URL, answer));

  it.each([
    [
      'an ACCOUNT_SID with a space',
      { ACCOUNT_SID: `AC ${'0'.repeat(31)}` },
      'ACCOUNT_SID is not an account sid',
    ],
    [
      'an ACCOUNT_SID outside ASCII',
      { ACCOUNT_SID: `AC${'0'.repeat(31)}é` },
      'ACCOUNT_SID is not an account sid',
    ],
    ['a TWILIO_REGION that is no region', { TWILIO_REGION: 'us 1' }, 'TWILIO_REGION is not a Twilio region'],
  ])('%s: not_configured, never the agent’s token, and IAM is not asked', async (_name, settings, said) => {
    const asked = vi.fn(() => HttpResponse.json({ valid: true, worker_sid: TEST_WORKER_SID }));
    iamAnswers(asked);
    const { answer, onError, lines } = await save({ TaskSid: `WT${'1'.repeat(32)}` }, context(settings));
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'not_configured' });
    expect(lines.join('\n')).toContain(said);
    expect(asked).not.toHaveBeenCalled();
  });

  it('IAM answering 401 without a message: not the agent’s fault, worth a retry', async () => {
    iamAnswers(() => HttpResponse.json({ code: 20003, status: 401 }, { status: 401 }));
    const { answer, lines } = await save({ TaskSid: `WT${'1'.repeat(32)}` });
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
    expect(lines.join('\n')).toContain('could not check the Flex token');
  });

  it('an invalid token is still the agent’s: 403', async () => {
    iamAnswers(() => HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' }));
    const { answer } = await save({ TaskSid: `WT${'1'.repeat(32)}` });
    expect(answer).toMatchObject({ statusCode: 403, body: { code: 'invalid_token' } });
  });
});

describe('TaskRouter through the Twilio client', () => {
  const withClient = (client: unknown) => context({ getTwilioClient: () => client });
  const throwing = {
    request: () => {
      throw new TypeError('password is required');
    },
  };

  it.each([
    ['the client’s request throws before sending', () => throwing],
    [
      'the client’s request rejects before any network',
      () => ({ request: () => Promise.reject(new Error('username is required')) }),
    ],
    ['the client’s request answers nothing', () => ({ request: async () => undefined })],
  ])('%s: not_configured, naming the settings', async (_name, client) => {
    const { taskSid } = await routedCall();
    const { answer, lines } = await save({ TaskSid: taskSid }, withClient(client()), { validateToken });
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(lines.join('\n')).toMatch(
      /not configured \(the Twilio client .* failed before reaching TaskRouter .*ACCOUNT_SID and AUTH_TOKEN/,
    );
  });

  it('a workspace the account does not have: not_configured, never “the task is gone”', async () => {
    const { taskSid } = await routedCall();
    const { answer, lines } = await save(
      { TaskSid: taskSid },
      context({ TWILIO_WORKSPACE_SID: `WS${'d'.repeat(32)}` }),
      { validateToken },
    );
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(lines.join('\n')).toContain('TWILIO_WORKSPACE_SID names no workspace');
  });

  it('a TaskSid TaskRouter does not know: task_gone (410), not worth a retry; the workspace is looked up once', async () => {
    const before = taskRouter.requests.length;
    const { answer } = await save({ TaskSid: `WT${'7'.repeat(32)}` }, context(), { validateToken });
    expect(answer).toMatchObject({ statusCode: 410, body: { status: 'task_gone', retryable: false } });
    // The task and the worker's reservations on it are read side by side: in either order.
    expect(
      taskRouter.requests
        .slice(before)
        .map((r) => [r.path.split('/').slice(-2).join('/'), r.status])
        .sort(),
    ).toEqual(
      [
        [`Tasks/WT${'7'.repeat(32)}`, 404],
        [`${WORKSPACE_SID}/Tasks`, 200],
        [`WT${'7'.repeat(32)}/Reservations`, 404],
      ].sort(),
    );
  });

  it('the port: the network failing is a TaskRouterError worth a retry; the client failing before it is a setting', async () => {
    const real = createTaskRouter(context({ getTwilioClient: () => twilioClient(ACCOUNT_SID, AUTH_TOKEN) }));
    if (!('fetchTask' in real)) throw new Error('no port');
    taskRouter.fail('network');
    const network = await real.fetchTask(`WT${'1'.repeat(32)}`).catch((error: unknown) => error);
    expect(network).toBeInstanceOf(TaskRouterError);
    expect(network).toMatchObject({ retryable: true, status: undefined });
    const broken = createTaskRouter(withClient(throwing));
    if (!('fetchTask' in broken)) throw new Error('no port');
    await expect(broken.fetchTask(`WT${'1'.repeat(32)}`)).rejects.toMatchObject({ code: 'not_configured' });
  });
});

describe('a Flex token sent in the URL', () => {
  const LONG_TOKEN = `eyJ${'x'.repeat(900)}`;
  const refused = {
    statusCode: 400,
    body: {
      status: 'invalid',
      retryable: false,
      errors: [{ path: ['Token'], message: expect.stringContaining('never in the URL') }],
    },
  };
  const headers = (type: string | undefined, length?: number) => ({
    request: {
      headers: {
        ...(type === undefined ? {} : { 'content-type': type }),
        ...(length === undefined ? {} : { 'content-length': String(length) }),
      },
    },
  });

  it.each([
    ['a request with no body (GET)', headers(undefined)],
    ['a POST with no Content-Type (its body was not read)', headers(undefined, 5000)],
    ['a JSON body shorter than the token', headers('application/json', 120)],
    ['an empty form body', headers('application/x-www-form-urlencoded', 0)],
  ])('is refused with 400 before it is checked: %s', async (_name, event) => {
    const check = vi.fn(validateToken);
    const { answer, lines } = await save(
      { ...event, Token: LONG_TOKEN, TaskSid: `WT${'1'.repeat(32)}` },
      context(),
      {
        validateToken: check,
      },
    );
    expect(answer).toMatchObject(refused);
    expect(check).not.toHaveBeenCalled();
    expect(lines.join('\n')).not.toContain(LONG_TOKEN);
  });

  it.each([
    ['a JSON body long enough to hold it', headers('application/json', 1000)],
    ['a body in chunks (no Content-Length)', headers('application/json')],
    [
      'a compressed body',
      {
        request: {
          headers: { 'content-type': 'application/json', 'content-length': '40', 'content-encoding': 'gzip' },
        },
      },
    ],
    ['no headers at all (the runtime handler not pinned): cannot be told', {}],
  ])('is checked as usual when it may be in the body: %s', async (_name, event) => {
    const { answer } = await save(
      { ...event, Token: LONG_TOKEN, TaskSid: `WT${'1'.repeat(32)}` },
      context(),
      {
        validateToken,
      },
    );
    // The stub knows no such token: refused as a token, so it was taken from the body.
    expect(answer).toMatchObject({ statusCode: 403, body: { code: 'invalid_token' } });
  });
});

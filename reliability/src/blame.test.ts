/**
 * Blame: every failure of the save Function names the party that must act. A fault of
 * the Function's own settings (IAM or TaskRouter refusing its credentials, an unusable
 * ACCOUNT_SID, TWILIO_REGION or TWILIO_WORKSPACE_SID, an unusable Twilio client) is
 * 503 `not_configured` with an error line naming the settings, never the agent's
 * token; a TaskSid TaskRouter does not know is the request's mistake, answered without
 * an invitation to retry; Twilio being unreachable is the one fault a retry may fix
 * (502, retryable). Twilio IAM is answered by msw as IAM answers (it checks the
 * Function's Basic auth), and TaskRouter is reached through the real Twilio client,
 * answered by the adapter's TaskRouter stand-in.
 */
import { createSaveContextHandler, type Logger } from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  callSid,
  captured,
  completeTask,
  emulatedApi,
  FLEX_TOKEN,
  functionContext,
  handlerOptions,
  routedCall,
  run,
  WORKER_SID,
} from './kit.js';
import { notes } from './notes.js';

const IAM_URL = 'https://iam.twilio.com/v1/Accounts/:account/Tokens/validate';
const CREDENTIALS = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
/** The Function's auth token after a rotation in the Console: the Function still has the old one. */
const ROTATED = 'authtoken-rotated-blame-0a7e44c1d2b9';

/** Twilio IAM as it answers: 401 (Twilio error 20003) to credentials it does not know. */
const iam = http.post(IAM_URL, async ({ request }) => {
  if (request.headers.get('authorization') !== CREDENTIALS) {
    return HttpResponse.json(
      {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      },
      { status: 401 },
    );
  }
  const { token } = (await request.json()) as { token: unknown };
  return token === FLEX_TOKEN
    ? HttpResponse.json({ valid: true, worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' })
    : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
});
const { server, taskRouter } = emulatedApi(iam);

const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };

type Level = keyof Logger;
/** A logger that keeps each line with its level, and hands it to the secrets scan. */
function recordingLogger(): { logger: Logger; lines: [Level, string][] } {
  const lines: [Level, string][] = [];
  const at =
    (level: Level) =>
    (message: string): void => {
      lines.push([level, message]);
      captured.logs.push(message);
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** What a case expects: the answer, and the log line that says whose fault it is. */
interface Blame {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly level: Level;
  /** What the line must say (the settings to check, or what could not be reached). */
  readonly says: readonly (string | RegExp)[];
}

const notConfigured = (...says: (string | RegExp)[]): Blame => ({
  status: 503,
  body: { status: 'not_configured', retryable: false },
  level: 'error',
  says: [/not configured/, ...says],
});
const unreachable = (...says: (string | RegExp)[]): Blame => ({
  status: 502,
  body: { status: 'failed', retryable: true, code: 'unavailable' },
  level: 'warn',
  says,
});

interface BlameCase {
  readonly name: string;
  /** The context overrides, TaskRouter's state and the request for the case. */
  prepare(): Promise<{ context?: Record<string, unknown>; body?: Record<string, unknown> }>;
  readonly expected: Blame;
}

/** A completed call of the agent's: what a save is sent for. */
async function completedTask(): Promise<string> {
  const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
  completeTask(taskRouter, call.taskSid);
  return call.taskSid;
}
const withTask = async (context: Record<string, unknown> = {}) => ({
  context,
  body: { TaskSid: await completedTask() },
});
/** A client standing in for `context.getTwilioClient()`'s whose request never reaches TaskRouter. */
const clientWhoseRequest = (request: () => unknown) => ({ getTwilioClient: () => ({ request }) });

const CASES: readonly BlameCase[] = [
  // Twilio IAM, asked about the agent's token with the Function's credentials.
  {
    name: 'IAM refuses the Function’s rotated AUTH_TOKEN (401, "Authenticate")',
    prepare: () => withTask({ AUTH_TOKEN: ROTATED }),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'IAM refuses the Function’s API key (401, "Authentication Error - invalid username")',
    prepare: async () => {
      server.use(
        http.post(IAM_URL, () =>
          HttpResponse.json(
            { code: 20003, message: 'Authentication Error - invalid username', status: 401 },
            { status: 401 },
          ),
        ),
      );
      return withTask({
        AUTH_TOKEN: undefined,
        API_KEY: `SK${'1'.repeat(32)}`,
        API_SECRET: 'api-secret-blame-7c1d',
      });
    },
    expected: notConfigured('API_KEY and API_SECRET'),
  },
  {
    name: 'an ACCOUNT_SID that is not an account sid (a space in it)',
    prepare: () => withTask({ ACCOUNT_SID: `AC ${'0'.repeat(31)}` }),
    expected: notConfigured('ACCOUNT_SID'),
  },
  {
    name: 'an ACCOUNT_SID with a character outside ASCII',
    prepare: () => withTask({ ACCOUNT_SID: `AC${'0'.repeat(31)}é` }),
    expected: notConfigured('ACCOUNT_SID'),
  },
  {
    name: 'a TWILIO_REGION that names no region ("us 1")',
    prepare: () => withTask({ TWILIO_REGION: 'us 1' }),
    expected: notConfigured('TWILIO_REGION'),
  },
  {
    name: 'IAM answers 401 with no message at all: not the agent’s fault',
    prepare: async () => {
      server.use(http.post(IAM_URL, () => HttpResponse.json({ code: 20003, status: 401 }, { status: 401 })));
      return withTask();
    },
    expected: unreachable(/could not check the Flex token/),
  },
  {
    name: 'IAM unreachable: worth a retry',
    prepare: async () => {
      server.use(http.post(IAM_URL, () => HttpResponse.error()));
      return withTask();
    },
    expected: unreachable(/could not check the Flex token/),
  },

  // TaskRouter, through the Twilio client the runtime gives.
  {
    name: 'TaskRouter refuses the Function’s credentials (401): the client holds an old auth token',
    prepare: () => withTask({ getTwilioClient: () => twilioWith(ROTATED) }),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'TaskRouter answers 403 to the Function’s credentials',
    prepare: async () => {
      const prepared = await withTask();
      taskRouter.fail(403, 5);
      return prepared;
    },
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'getTwilioClient() throws',
    prepare: () =>
      withTask({
        getTwilioClient: () => {
          throw new Error('username is required');
        },
      }),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'getTwilioClient() gives nothing',
    prepare: () => withTask({ getTwilioClient: () => undefined }),
    expected: notConfigured('getTwilioClient'),
  },
  {
    name: 'getTwilioClient() gives a promise, not a client',
    prepare: () => withTask({ getTwilioClient: async () => twilioWith(AUTH_TOKEN) }),
    expected: notConfigured('getTwilioClient'),
  },
  {
    name: 'the client’s request throws before sending anything',
    prepare: () =>
      withTask(
        clientWhoseRequest(() => {
          throw new TypeError('password is required');
        }),
      ),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'the client’s request rejects before any network (missing credentials)',
    prepare: () => withTask(clientWhoseRequest(() => Promise.reject(new Error('username is required')))),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'the client’s request answers nothing (a client without its HTTP client)',
    prepare: () =>
      withTask({
        getTwilioClient: () => {
          const client = twilioWith(AUTH_TOKEN) as object;
          // Its `request` then resolves with nothing, as twilio-node's does without one.
          Object.defineProperty(client, 'httpClient', { value: undefined });
          return client;
        },
      }),
    expected: notConfigured('ACCOUNT_SID and AUTH_TOKEN'),
  },
  {
    name: 'a TWILIO_WORKSPACE_SID of no workspace of this account',
    prepare: async () => ({
      context: { TWILIO_WORKSPACE_SID: `WS${'d'.repeat(32)}` },
      body: { TaskSid: await completedTask() },
    }),
    expected: notConfigured('TWILIO_WORKSPACE_SID'),
  },
  {
    name: 'TaskRouter unreachable: worth a retry',
    prepare: async () => {
      const prepared = await withTask();
      taskRouter.fail('network', 5);
      return prepared;
    },
    expected: unreachable(/could not reach TaskRouter/),
  },
  {
    name: 'TaskRouter failing (500): worth a retry',
    prepare: async () => {
      const prepared = await withTask();
      taskRouter.fail(500, 5);
      return prepared;
    },
    expected: unreachable(/could not reach TaskRouter/, /answered 500/),
  },

  // The request's own mistakes.
  {
    name: 'a TaskSid TaskRouter does not know: not worth a retry',
    prepare: async () => ({ body: { TaskSid: `WT${'7'.repeat(32)}` } }),
    expected: {
      status: 410,
      body: { status: 'task_gone', retryable: false },
      level: 'warn',
      says: [/no longer has the task/],
    },
  },
  {
    name: 'a CallSid no task of this worker belongs to: not worth a retry',
    prepare: async () => ({ body: { CallSid: callSid() } }),
    expected: {
      status: 403,
      body: { status: 'forbidden', code: 'no_task', retryable: false },
      level: 'warn',
      says: [/holds no task of call/],
    },
  },
];

/** The real Twilio client (as `context.getTwilioClient()` gives it) with another auth token. */
function twilioWith(authToken: string): unknown {
  // The kit's client is built with the suite's credentials: this one sends `authToken`.
  const client = functionContext().getTwilioClient?.() as { password?: string };
  client.password = authToken;
  return client;
}

notes.push(
  `${CASES.length} faults, each checked for its answer and for the level and wording of the line that blames it`,
);

describe('each fault answers for the party that must act, and its log line says so', () => {
  it.each(CASES.map((blameCase) => [blameCase.name, blameCase] as const))('%s', async (_name, blameCase) => {
    const { logger, lines } = recordingLogger();
    const reported: unknown[] = [];
    const handler = createSaveContextHandler({
      ...handlerOptions,
      onError: (error) => {
        reported.push(error);
        handlerOptions.onError(error);
      },
      logger,
      Response: FakeResponse,
      timeoutMs: 3000,
    });
    const prepared = await blameCase.prepare();
    const answer = await run(
      handler,
      { Token: FLEX_TOKEN, wrap_up: WRAP_UP, ...prepared.body },
      functionContext(prepared.context),
    );
    const story = JSON.stringify({ answer: answer.body, lines });
    expect(answer.statusCode, story).toBe(blameCase.expected.status);
    expect(answer.body, story).toMatchObject(blameCase.expected.body);

    const { level, says } = blameCase.expected;
    const blaming = lines.filter(([at]) => at === level).map(([, line]) => line);
    expect(
      blaming.some((line) =>
        says.every((said) => (typeof said === 'string' ? line.includes(said) : said.test(line))),
      ),
      story,
    ).toBe(true);
    // The agent is never blamed for a fault that is not theirs, and nothing quotes a setting's value.
    for (const [, line] of lines) {
      expect(line).not.toMatch(/token is invalid or expired/);
      expect(line).not.toContain(ROTATED);
      expect(line).not.toContain('api-secret-blame');
    }
    if (blameCase.expected.status === 503) {
      expect(reported.length, story).toBeGreaterThan(0);
      expect(reported[0]).toMatchObject({ code: 'not_configured' });
    }
  });
});

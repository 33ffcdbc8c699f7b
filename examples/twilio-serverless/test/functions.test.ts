/**
 * The service's Functions as deployed: the files in functions/, required as the
 * runtime requires them. Twilio IAM cannot be reached here, so msw answers its token
 * check at the HTTP boundary as the real IAM would for a token it did not issue.
 *
 * The local demo lets its agent desk's token through with an IAM stand-in that it
 * preloads into twilio-run (examples/demo/src/iam-preload.cjs). These tests show that
 * nothing in the service can enable that: a deployed-looking context with every demo
 * variable set still has the token checked by Twilio, and refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { createFakeContext, invoke } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serviceDir = resolve(import.meta.dirname, '..');
const requireFromService = createRequire(join(serviceDir, 'package.json'));
type Handler = Parameters<typeof invoke>[0];
const load = (file: string) =>
  (requireFromService(join(serviceDir, 'functions', file)) as { handler: Handler }).handler;

const DEMO_TOKEN = 'demo-token-for-a-local-desk';
const iamAsked: string[] = [];
const iam = setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = (await request.json()) as { token: string };
    iamAsked.push(token);
    return HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
);

let api: EmulatorServer;
let scratch = '';

beforeAll(async () => {
  iam.listen({ onUnhandledRequest: 'bypass' });
  api = await startEmulatorServer();
  scratch = mkdtempSync(join(tmpdir(), 'serverless-test-'));
});

afterAll(async () => {
  iam.close();
  await api.close();
  rmSync(scratch, { recursive: true, force: true });
});

function deployedContext(extra: Record<string, unknown> = {}) {
  return createFakeContext({
    DOMAIN_NAME: 'sticky-calls-1234-prod.twil.io',
    PATH: '/save-context',
    SERVICE_SID: `ZS${'a'.repeat(32)}`,
    ENVIRONMENT_SID: `ZE${'b'.repeat(32)}`,
    STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
    STICKY_CALLS_BASE_URL: api.url,
    TWILIO_WORKSPACE_SID: `WS${'c'.repeat(32)}`,
    ...extra,
  });
}

describe('the deployed Functions', () => {
  it('caller-context answers Studio with the caller context', async () => {
    const answer = await invoke(load('caller-context.protected.js'), {
      context: deployedContext({ PATH: '/caller-context' }),
      event: { From: '+14155551234', To: '+18005550100', CallSid: `CA${'1'.repeat(32)}` },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ sticky_calls: { v: 1, status: 'ok' } });
  });

  it('save-context checks the agent token with Twilio even when the demo’s variables are set', async () => {
    const tokensFile = join(scratch, 'iam-tokens.json');
    writeFileSync(
      tokensFile,
      JSON.stringify({ [DEMO_TOKEN]: { worker_sid: `WK${'0'.repeat(32)}`, roles: ['admin'] } }),
    );
    const before = process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
    process.env.STICKY_CALLS_DEMO_IAM_TOKENS = tokensFile;
    try {
      const answer = await invoke(load('save-context.js'), {
        context: deployedContext({ STICKY_CALLS_DEMO_IAM_TOKENS: tokensFile }),
        event: {
          Token: DEMO_TOKEN,
          call_id: `CA${'2'.repeat(32)}`,
          customer_ref: 'cust_1',
          intent: 'refund_request',
          intent_status: 'open',
          request: { headers: { origin: 'https://flex.twilio.com' } },
        },
      });
      expect(answer.statusCode).toBe(403);
      expect(iamAsked).toContain(DEMO_TOKEN);
      expect(api.emulator.usage.end).toBe(0);
      expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    } finally {
      if (before === undefined) delete process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
      else process.env.STICKY_CALLS_DEMO_IAM_TOKENS = before;
    }
  });

  it('has no demo switch anywhere in the service', () => {
    const files = [
      'package.json',
      '.env.example',
      ...readdirSync(join(serviceDir, 'functions')).map((f) => `functions/${f}`),
    ];
    for (const file of files) {
      const text = readFileSync(join(serviceDir, file), 'utf8');
      expect(text, file).not.toMatch(/DEMO|iam-preload|NODE_OPTIONS/);
    }
  });

  it('pins @twilio/runtime-handler exactly and names the published adapter', () => {
    const pkg = JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@twilio/runtime-handler']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies['@stickycalls/twilio-function-adapter']).toMatch(/^\^\d+\.\d+\.\d+$/);
  });
});

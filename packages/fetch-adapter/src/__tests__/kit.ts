/**
 * The fetch adapter's test kit. Real parts: the core's emulator served on loopback for
 * the Sticky Calls API, the TaskRouter stand-in served on loopback, the handlers served
 * by `node:http` through the adapter's own listener, and signatures made by Twilio's own
 * helper (the `twilio` package). Twilio's cloud cannot be reached from tests: IAM is a
 * stand-in on loopback (answering as IAM does: `valid`, `expiration`, 401 for wrong
 * credentials), and `twilioFetch` sends IAM's and TaskRouter's requests to the stand-ins.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import {
  createTaskRouterStandIn,
  serveTaskRouter,
  type TaskRouterStandIn,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { FetchHandler } from '../index.js';
import { toNodeListener } from '../node.js';
import { standInFetch } from './stand-in-fetch.js';

export const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const OTHER_ACCOUNT_SID = `AC${'b'.repeat(32)}`;
export const WORKSPACE_SID = `WS${'c'.repeat(32)}`;
export const WORKER_SID = `WK${'1'.repeat(32)}`;
export const OTHER_WORKER_SID = `WK${'2'.repeat(32)}`;
export const CALLER = '+14155551234';

/** Flex tokens the IAM stand-in knows, with what IAM says of each. */
export const TOKENS = {
  agent: 'flex-token-agent-7c1f0e9a2b',
  otherAgent: 'flex-token-other-agent-5b5b',
  guest: 'flex-token-guest-0d0d',
  expired: 'flex-token-expired-0c0c',
  otherAccount: 'flex-token-other-account-4e4e',
} as const;

interface IamEntry {
  readonly accountSid: string;
  readonly expiresAt: number;
  readonly worker_sid?: string;
  readonly roles: readonly string[];
  readonly identity: string;
}

const HOUR = 3600_000;
const IAM_TOKENS: Record<string, IamEntry> = {
  [TOKENS.agent]: {
    accountSid: ACCOUNT_SID,
    expiresAt: Date.now() + HOUR,
    worker_sid: WORKER_SID,
    roles: ['agent'],
    identity: 'ada',
  },
  [TOKENS.otherAgent]: {
    accountSid: ACCOUNT_SID,
    expiresAt: Date.now() + HOUR,
    worker_sid: OTHER_WORKER_SID,
    roles: ['agent'],
    identity: 'grace',
  },
  // A guest token (Flex Webchat's, say): valid, but no worker.
  [TOKENS.guest]: {
    accountSid: ACCOUNT_SID,
    expiresAt: Date.now() + HOUR,
    roles: ['guest'],
    identity: 'guest',
  },
  [TOKENS.expired]: {
    accountSid: ACCOUNT_SID,
    expiresAt: Date.now() - 60_000,
    worker_sid: WORKER_SID,
    roles: ['agent'],
    identity: 'ada',
  },
  [TOKENS.otherAccount]: {
    accountSid: OTHER_ACCOUNT_SID,
    expiresAt: Date.now() + HOUR,
    worker_sid: WORKER_SID,
    roles: ['agent'],
    identity: 'ada',
  },
};

/** Every secret of the kit: none may reach a log line or an answer. */
export const SECRETS = [
  EMULATOR_API_KEY,
  AUTH_TOKEN,
  Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'),
  ...Object.values(TOKENS),
];

/** Twilio IAM's token check, on loopback. */
async function serveIam(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let count = 0;
  const expected = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      count += 1;
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = /^\/v1\/Accounts\/(AC[0-9a-f]{32})\/Tokens\/validate$/.exec(req.url ?? '');
      if (req.method !== 'POST' || path === null) return answer(404, { code: 20404, message: 'Not Found' });
      if (req.headers.authorization !== expected || path[1] !== ACCOUNT_SID) {
        return answer(401, { code: 20003, message: 'Authenticate' });
      }
      let token: unknown;
      try {
        token = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token?: unknown }).token;
      } catch {
        return answer(400, { code: 20001, message: 'Invalid JSON' });
      }
      const entry = typeof token === 'string' ? IAM_TOKENS[token] : undefined;
      if (entry === undefined || entry.accountSid !== ACCOUNT_SID)
        return answer(200, { valid: false, code: 20101, message: 'Invalid Access Token' });
      if (entry.expiresAt < Date.now())
        return answer(200, {
          valid: false,
          code: 20104,
          message: 'Access Token expired or expiration date invalid',
        });
      const { accountSid: _account, expiresAt, ...said } = entry;
      return answer(200, { valid: true, ...said, expiration: new Date(expiresAt).toISOString() });
    });
  });
  const url = await listen(server);
  return { url, requests: () => count, close: () => closeServer(server) };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The stand-ins and the settings a handler runs with, for one test file. */
export function useTwilio() {
  const state = {} as {
    api: EmulatorServer;
    iam: Awaited<ReturnType<typeof serveIam>>;
    taskRouter: TaskRouterStandIn;
    taskRouterServer: Awaited<ReturnType<typeof serveTaskRouter>>;
    twilioFetch: typeof fetch;
    env: Record<string, string>;
  };
  beforeAll(async () => {
    state.api = await startEmulatorServer();
    state.iam = await serveIam();
    state.taskRouter = createTaskRouterStandIn({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      workspaceSid: WORKSPACE_SID,
    });
    state.taskRouterServer = await serveTaskRouter(state.taskRouter);
    state.twilioFetch = standInFetch(state.iam.url, state.taskRouterServer.url);
    state.env = {
      ACCOUNT_SID,
      AUTH_TOKEN,
      TWILIO_WORKSPACE_SID: WORKSPACE_SID,
      STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
      STICKY_CALLS_BASE_URL: state.api.url,
    };
  });
  afterEach(() => {
    state.api.emulator.reset();
    state.taskRouter.reset();
  });
  afterAll(async () => {
    await Promise.all([state.api.close(), state.iam.close(), state.taskRouterServer.close()]);
  });
  return state;
}

/** Serves `handler` over HTTP on loopback with the adapter's `node:http` listener. */
export async function serve(handler: FetchHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(toNodeListener(handler));
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}

/** A form POST as Twilio sends it to `url`, signed by Twilio's own helper with `authToken`. */
export function signedForm(url: string, params: Record<string, string>, authToken = AUTH_TOKEN): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

/**
 * A JSON POST as Twilio sends it: `bodySHA256` in the URL, the signature over the URL.
 * Returns the URL to send to, with its query.
 */
export function signedJson(
  url: string,
  body: unknown,
  authToken = AUTH_TOKEN,
): { url: string; init: RequestInit } {
  const text = JSON.stringify(body);
  const hashed = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${createHash('sha256').update(text).digest('hex')}`;
  return {
    url: hashed,
    init: {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, hashed, {}),
      },
      body: text,
    },
  };
}

let sequence = 0;
/** A fresh CallSid-shaped id. */
export function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}

/**
 * A call's task, as Studio leaves it: the caller-context answer (from `start`) and the
 * call's own keys, with a reservation of `workerSid`.
 */
export function addCallTask(
  taskRouter: TaskRouterStandIn,
  callId: string,
  callerContext: Record<string, unknown>,
  { workerSid = WORKER_SID, status = 'wrapping' }: { workerSid?: string; status?: string } = {},
): { taskSid: string; customerRef: string | null } {
  const taskSid = taskRouter.addTask({
    attributes: { type: 'inbound', call_sid: callId, from: CALLER, to: '+18005550100', ...callerContext },
    assignmentStatus: status,
    reservations: [{ workerSid, status }],
  });
  const namespaced = callerContext[ATTRIBUTE_KEY] as { customer_ref?: string | null } | undefined;
  return { taskSid, customerRef: namespaced?.customer_ref ?? null };
}

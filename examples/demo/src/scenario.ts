/**
 * The scenario, played over HTTP against the example Functions as Studio and the Flex
 * plugin would call them: each call goes through the caller-context Function and the
 * Studio flow's Send to Flex template, and becomes a task in TaskRouter (the demo's
 * stand-in) reserved for an agent; each wrap-up goes to the save Function as the Flex
 * plugin posts it: stored on the task before completion, saved after it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { maskCallerNumber, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import type { Emulator } from '@stickycalls/core/testing';
import { loadFlow, renderTaskAttributes } from '@stickycalls/example-studio-flow';
import { type CallerContextView, callerContextView } from '@stickycalls/flex-react';
import type { TaskRouterStandIn } from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import type { DeskEntry } from './desk.js';

export const CALLED = '+18005550100';

/**
 * A fictional number (NANP 555-0100 to 555-0199, reserved for fiction), new on each run:
 * with the real API the scenario's callers must not be real people, and a second run must
 * meet a new caller again.
 */
export function fictionalNumber(): string {
  const area = 201 + Math.floor(Math.random() * 780);
  return `+1${area}55501${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first call of the caller the agent is asked to verify. */
const LAPSED_WRAP_UP = {
  intent: 'delivery_address_change',
  intent_status: 'open',
  variables: {
    name: 'Grace Hopper',
    summary: 'Moving on the 1st; wants parcels sent to the new address from then.',
    new_postcode: 'EC1A 1BB',
  },
};

/** Each HTTP call of the scenario and the desk gives up after this long (a crashed Function process never answers). */
export const HTTP_TIMEOUT_MS = 15_000;

export interface StepResult {
  readonly step: string;
  readonly http: number;
  readonly ms: number;
  readonly shows: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly attributes?: Record<string, unknown>;
}

export interface ScenarioOptions {
  readonly functionsUrl: string;
  /** The account's auth token, which Twilio signs its requests with (`X-Twilio-Signature`). */
  readonly authToken: string;
  readonly token: string;
  /** The worker the token belongs to. */
  readonly workerSid: string;
  /** TaskRouter: the scenario's tasks are made here, as Studio's Send to Flex and the workflow make them. */
  readonly taskRouter: TaskRouterStandIn;
  /** The emulator, to stage an outage and to see what reached the API; absent with the real API. */
  readonly emulator?: Emulator;
  /** Moves the emulator's clock this far from now (0: back to now), to stage a caller not heard from for weeks. */
  readonly setClock?: (offsetMs: number) => void;
}

const flow = loadFlow();

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const callSid = () => sid('CA');

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started)];
}

/** What the panel would show, in a few words. */
export function describeView(view: CallerContextView): string {
  switch (view.state) {
    case 'ready': {
      const tier = { reuse: 'known caller', confirm: 'verify identity', ignore: 'new caller' }[view.tier];
      // As the panel counts: this call included.
      const intents = view.intents
        .map((i) => `${i.intent} (call ${i.attempts === null ? '?' : i.attempts + 1} about it)`)
        .join(', ');
      const vars = view.variables.map((v) => v.name).join(', ');
      return `${tier}, ${Math.round(view.confidence * 100)}%${intents ? `; open: ${intents}` : ''}${vars ? `; knows: ${vars}` : ''}`;
    }
    case 'degraded':
      return `context unavailable (${view.reason})`;
    case 'invalid':
      return `unreadable context: ${view.problem}`;
    case 'absent':
      return 'no context';
  }
}

/** A call arriving: Studio runs the caller-context Function, then Send to Flex renders the task's attributes. */
async function call(
  functionsUrl: string,
  authToken: string,
  from: string,
): Promise<[number, number, Record<string, unknown>, string]> {
  const sid = callSid();
  const url = `${functionsUrl}/caller-context`;
  const params = { From: from, To: CALLED, CallSid: sid, Direction: 'inbound' };
  const [response, ms] = await timed(() =>
    fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        // As Twilio signs every request it makes: the fetch adapter checks it, twilio-run does not.
        'X-Twilio-Signature': twilioSignature(authToken, url, params),
      },
      body: new URLSearchParams(params),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }),
  );
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const failed = !response.ok || typeof parsed !== 'object' || parsed === null;
  const attributes = renderTaskAttributes(flow, {
    from,
    to: CALLED,
    callSid: sid,
    parsed: failed ? {} : (parsed as Record<string, unknown>),
    failed,
  });
  return [response.status, ms, attributes, sid];
}

/**
 * Twilio's request signature: HMAC-SHA1 with the auth token over the URL and each form
 * parameter's name and value, in the names' order; base64.
 */
function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const signed = Object.keys(params)
    .sort()
    .reduce((text, name) => `${text}${name}${params[name]}`, url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

/** What the save Function answered. */
interface SaveAnswer {
  readonly http: number;
  readonly ms: number;
  readonly status: string;
  readonly code: string | undefined;
}

/** A wrap-up, posted as the Flex plugin posts it (`postWrapUp`): the task, the action, the fields, the agent's token. */
async function save(functionsUrl: string, body: Record<string, unknown>): Promise<SaveAnswer> {
  const [response, ms] = await timed(() =>
    fetch(`${functionsUrl}/save-context`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://flex.twilio.com' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }),
  );
  const answer = (await response.json().catch(() => undefined)) as
    | { status?: unknown; code?: unknown }
    | undefined;
  return {
    http: response.status,
    ms,
    status: String(answer?.status),
    code: typeof answer?.code === 'string' ? answer.code : undefined,
  };
}

/** How an answer reads in the table. */
const said = (answer: SaveAnswer) =>
  `save Function: ${answer.http} ${answer.status}${answer.code ? ` (${answer.code})` : ''}`;

export interface ScenarioResult {
  readonly steps: readonly StepResult[];
  /** The tasks to show on the agent desk, in order. */
  readonly desk: readonly DeskEntry[];
}

export async function playScenario({
  functionsUrl,
  authToken,
  token,
  workerSid,
  taskRouter,
  emulator,
  setClock,
}: ScenarioOptions): Promise<ScenarioResult> {
  const steps: StepResult[] = [];
  const desk: DeskEntry[] = [];
  /** A call's task in TaskRouter, assigned to `holder` (this agent unless said otherwise), who accepted it. */
  const route = (attributes: Record<string, unknown>, holder = workerSid) =>
    taskRouter.addTask({
      attributes,
      assignmentStatus: 'assigned',
      reservations: [{ workerSid: holder, status: 'accepted' }],
    });
  const forDesk = (title: string, attributes: Record<string, unknown>) =>
    desk.push({ taskSid: route(attributes), title });
  const wrapUp = (taskSid: string, action: 'store' | 'save', fields: Record<string, unknown>) =>
    save(functionsUrl, { TaskSid: taskSid, action, wrap_up: fields, Token: token });
  const wrapUpOf = (taskSid: string) =>
    taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY] as
      | { saved?: unknown; call_id?: unknown; intent?: unknown }
      | undefined;
  /** What reached the API and TaskRouter's writes, to show that a refusal sent nothing. */
  const sent = () => ({
    api: emulator?.requests.length ?? 0,
    writes: taskRouter.requests.filter((request) => request.method === 'POST').length,
    asked: taskRouter.requests.length,
  });
  const nothingSent = (before: ReturnType<typeof sent>) => {
    const after = sent();
    return after.api === before.api && after.writes === before.writes;
  };
  const caller = fictionalNumber();
  const number = maskCallerNumber(caller);
  const WRAP_UP = {
    intent: 'refund_request',
    intent_status: 'open',
    variables: {
      name: 'Ada Lovelace',
      summary: 'Kettle arrived broken; refund promised within 5 days.',
      order_id: '4471',
      preferred_contact: 'phone, mornings',
    },
  };

  // 1. A first call: nobody knows this number yet.
  const [http1, ms1, attributes1, firstCall] = await call(functionsUrl, authToken, caller);
  const view1 = callerContextView(attributes1);
  steps.push({
    step: `1. First call from ${number}`,
    http: http1,
    ms: ms1,
    shows: describeView(view1),
    ok: http1 === 200 && view1.state === 'ready' && view1.tier === 'ignore',
    expected: 'a new caller',
    attributes: attributes1,
  });
  const firstTask = route(attributes1);

  // 2. The call ends; at Complete the plugin first stores the wrap-up on the task: nothing is saved yet.
  taskRouter.setStatus(firstTask, 'wrapping', 'wrapping');
  {
    const before = emulator?.usage.end ?? 0;
    const answer = await wrapUp(firstTask, 'store', WRAP_UP);
    const onTask = wrapUpOf(firstTask);
    steps.push({
      step: '2. Wrap-up stored on the task before completion',
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}; on the task, saved: ${String(onTask?.saved)}`,
      ok:
        answer.http === 200 &&
        answer.status === 'stored' &&
        onTask?.saved === false &&
        onTask.call_id === firstCall &&
        (emulator?.usage.end ?? 0) === before,
      expected: 'stored on the task (saved: false), nothing sent to the API',
    });
  }

  // 3. A save before the task completed (a completion another listener cancelled): refused.
  {
    const before = sent();
    const answer = await wrapUp(firstTask, 'save', WRAP_UP);
    const none = nothingSent(before);
    steps.push({
      step: '3. A save before the task completed',
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}${none ? '; nothing sent' : ''}`,
      ok: answer.http === 409 && answer.status === 'not_completed' && none,
      expected: '409 not_completed, nothing sent',
    });
  }

  // 4. The task completes (Flex's CompleteTask); the plugin saves: calls.end, and the task marks it saved.
  taskRouter.setStatus(firstTask, 'completed', 'completed');
  {
    const answer = await wrapUp(firstTask, 'save', WRAP_UP);
    const onTask = wrapUpOf(firstTask);
    steps.push({
      step: '4. Task completed: the wrap-up is saved',
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}; on the task, saved: ${String(onTask?.saved)}`,
      ok: answer.http === 200 && answer.status === 'saved' && onTask?.saved === true,
      expected: 'saved, and saved: true on the task',
    });
  }

  // 5. The same number calls again: a returning caller with the open intent.
  {
    const [http, ms, attributes] = await call(functionsUrl, authToken, caller);
    const view = callerContextView(attributes);
    const ok =
      http === 200 &&
      view.state === 'ready' &&
      view.tier !== 'ignore' &&
      view.intents.some((i) => i.intent === 'refund_request' && (i.attempts ?? 0) >= 1) &&
      view.variables.some((v) => v.name === 'order_id' && v.value === '4471');
    steps.push({
      step: `5. ${number} calls again`,
      http,
      ms,
      shows: describeView(view),
      ok,
      expected: 'a known caller with refund_request open',
      attributes,
    });
    forDesk('Returning caller', attributes);
  }

  // 6. A withheld number: nothing to look the caller up by.
  {
    const [http, ms, attributes] = await call(functionsUrl, authToken, 'anonymous');
    const view = callerContextView(attributes);
    steps.push({
      step: '6. A withheld number calls',
      http,
      ms,
      shows: describeView(view),
      ok: http === 200 && view.state === 'degraded' && view.reason === 'no_identity_hints',
      expected: 'context unavailable (no_identity_hints)',
      attributes,
    });
    forDesk('Withheld number', attributes);
  }

  // 7. The API is down: the call still reaches an agent, with a degraded context, in time.
  if (emulator !== undefined) {
    emulator.inject({ type: 'status', status: 503, times: 1000, operation: 'start' });
    const [http, ms, attributes] = await call(functionsUrl, authToken, fictionalNumber());
    emulator.clearFaults();
    const view = callerContextView(attributes);
    steps.push({
      step: '7. The API is down (503s) during a call',
      http,
      ms,
      shows: describeView(view),
      // The caller-context Function's deadline is 5 s; a little more for the local runtime's fork.
      ok: http === 200 && view.state === 'degraded' && ms < 5500,
      expected: 'context unavailable, answered within the 5 s deadline',
      attributes,
    });
    forDesk('During an API outage', attributes);
  }

  // 8. Another agent's call: its task is theirs, completed by them. This agent holds no reservation on it.
  const [, , otherAttributes, otherCall] = await call(functionsUrl, authToken, fictionalNumber());
  const othersTask = route(otherAttributes, `WK${'2'.repeat(32)}`);
  taskRouter.setStatus(othersTask, 'completed', 'completed');
  const otherCustomer = callerContextView(otherAttributes);
  const otherRef = otherCustomer.state === 'ready' ? otherCustomer.customerRef : undefined;
  {
    const before = sent();
    const answer = await wrapUp(othersTask, 'save', { intent: 'billing_inquiry', intent_status: 'resolved' });
    const none = nothingSent(before);
    steps.push({
      step: "8. A save for another agent's task",
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}${none ? '; nothing sent' : ''}`,
      ok: answer.http === 403 && answer.code === 'no_reservation' && none,
      expected: '403 no_reservation, nothing sent',
    });
  }

  // 9 and 10. Forged saves on this agent's own task: another call's sid, another customer's ref.
  for (const [label, claims, code] of [
    ["9. A save naming another call's CallSid", { CallSid: otherCall, CustomerRef: otherRef }, 'other_call'],
    [
      "10. A save naming another customer's ref",
      { customer_ref: otherRef ?? 'cust_other' },
      'other_customer',
    ],
  ] as const) {
    const before = sent();
    const answer = await save(functionsUrl, {
      TaskSid: firstTask,
      action: 'save',
      wrap_up: { intent: 'account_closure', intent_status: 'resolved' },
      ...claims,
      Token: token,
    });
    const none = nothingSent(before);
    steps.push({
      step: label,
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}${none ? '; nothing sent' : ''}`,
      ok: answer.http === 403 && answer.code === code && none,
      expected: `403 ${code}, nothing sent`,
    });
  }

  // 11. A token Twilio does not know: refused before anything else is asked.
  {
    const before = sent();
    const answer = await save(functionsUrl, {
      TaskSid: firstTask,
      action: 'save',
      wrap_up: { intent: 'billing_inquiry', intent_status: 'resolved' },
      Token: 'not-a-flex-token',
    });
    const none = nothingSent(before) && taskRouter.requests.length === before.asked;
    steps.push({
      step: '11. A save with a token Twilio does not know',
      http: answer.http,
      ms: answer.ms,
      shows: `${said(answer)}${none ? '; TaskRouter not asked' : ''}`,
      ok: answer.http === 403 && answer.code === 'invalid_token' && none,
      expected: '403 invalid_token, TaskRouter not asked',
    });
  }

  // 12. A caller last heard from 20 days ago: the number alone no longer makes them sure, so the
  // agent is asked to verify who is calling (the panel's "Caller verified" / "Not this caller").
  if (emulator !== undefined && setClock !== undefined) {
    const lapsed = fictionalNumber();
    setClock(-20 * DAY_MS);
    try {
      const [, , attributes] = await call(functionsUrl, authToken, lapsed);
      const task = route(attributes);
      taskRouter.setStatus(task, 'wrapping', 'wrapping');
      await wrapUp(task, 'store', LAPSED_WRAP_UP);
      taskRouter.setStatus(task, 'completed', 'completed');
      await wrapUp(task, 'save', LAPSED_WRAP_UP);
    } finally {
      setClock(0);
    }
    const [http, ms, attributes] = await call(functionsUrl, authToken, lapsed);
    const view = callerContextView(attributes);
    steps.push({
      step: `12. ${maskCallerNumber(lapsed)} calls again after 20 days`,
      http,
      ms,
      shows: describeView(view),
      ok: http === 200 && view.state === 'ready' && view.tier === 'confirm',
      expected: 'verify identity: a match the agent confirms before using it',
      attributes,
    });
    forDesk('Verify identity', attributes);
  }

  // A first-time caller for the desk, too.
  {
    const [, , attributes] = await call(functionsUrl, authToken, fictionalNumber());
    forDesk('New caller', attributes);
  }
  return { steps, desk };
}

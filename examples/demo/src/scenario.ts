/**
 * The scenario, played over HTTP against the example Functions as Studio and the Flex
 * plugin would call them: each call goes through the caller-context Function and the
 * Studio flow's Send to Flex template; each wrap-up through the save Function.
 */
import { randomBytes } from 'node:crypto';
import { maskCallerNumber } from '@stickycalls/core';
import type { Emulator } from '@stickycalls/core/testing';
import { loadFlow, renderTaskAttributes } from '@stickycalls/example-studio-flow';
import { type CallerContextView, callerContextView } from '@stickycalls/flex-react';
import type { Runtime } from './runtime.js';

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

/** Each HTTP call of the scenario and the desk gives up after this long (a crashed Function process never answers). */
export const HTTP_TIMEOUT_MS = 15_000;

/** A task as the demo's agent desk shows it. */
export interface DemoTask {
  /** The reservation (WR…), as Flex's `task.sid`. */
  readonly sid: string;
  /** The task (WT…): the save Function checks the agent holds a reservation on it. */
  readonly taskSid: string;
  readonly title: string;
  readonly status: 'assigned';
  readonly taskChannelUniqueName: 'voice';
  attributes: Record<string, unknown>;
}

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
  readonly token: string;
  /** The worker the token belongs to. */
  readonly workerSid: string;
  /** Makes a task known to the TaskRouter stand-in. */
  readonly addTask: Runtime['addTask'];
  /** The emulator, to stage an outage; absent with the real API. */
  readonly emulator?: Emulator;
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
      const intents = view.intents.map((i) => `${i.intent} (attempt ${i.attempts ?? '?'})`).join(', ');
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
  from: string,
): Promise<[number, number, Record<string, unknown>, string]> {
  const sid = callSid();
  const [response, ms] = await timed(() =>
    fetch(`${functionsUrl}/caller-context`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: from, To: CALLED, CallSid: sid, Direction: 'inbound' }),
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

/** The agent's wrap-up, posted as the Flex plugin posts it. */
async function save(functionsUrl: string, body: Record<string, unknown>): Promise<[number, number, unknown]> {
  const [response, ms] = await timed(() =>
    fetch(`${functionsUrl}/save-context`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://flex.twilio.com' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }),
  );
  return [response.status, ms, await response.json().catch(() => undefined)];
}

export interface ScenarioResult {
  readonly steps: readonly StepResult[];
  /** The tasks to show on the agent desk. */
  readonly tasks: readonly DemoTask[];
}

export async function playScenario({
  functionsUrl,
  token,
  workerSid,
  addTask,
  emulator,
}: ScenarioOptions): Promise<ScenarioResult> {
  const steps: StepResult[] = [];
  const tasks: DemoTask[] = [];
  // A task of a call in TaskRouter, reserved by `holder` (this agent unless said otherwise).
  const routed = (attributes: Record<string, unknown>, holder = workerSid) => {
    const reservation = sid('WR');
    const taskSid = sid('WT');
    addTask(taskSid, {
      callSid: String(attributes.call_sid),
      reservations: [{ sid: reservation, workerSid: holder, status: 'wrapping' }],
    });
    return { sid: reservation, taskSid };
  };
  const task = (title: string, attributes: Record<string, unknown>) =>
    tasks.push({
      ...routed(attributes),
      title,
      status: 'assigned',
      taskChannelUniqueName: 'voice',
      attributes,
    });
  const caller = fictionalNumber();
  const number = maskCallerNumber(caller);

  // 1. A first call: nobody knows this number yet.
  {
    const [http, ms, attributes, sid] = await call(functionsUrl, caller);
    const view = callerContextView(attributes);
    const ok = http === 200 && view.state === 'ready' && view.tier === 'ignore';
    steps.push({
      step: `1. First call from ${number}`,
      http,
      ms,
      shows: describeView(view),
      ok,
      expected: 'a new caller',
      attributes,
    });

    // 2. The agent wraps up: the refund is not done yet, so the intent stays open.
    const customerRef = view.state === 'ready' ? view.customerRef : undefined;
    const [saveHttp, saveMs, answer] = await save(functionsUrl, {
      Token: token,
      TaskSid: routed(attributes).taskSid,
      call_id: sid,
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: {
        summary: 'Kettle arrived broken; refund promised within 5 days.',
        order_id: '4471',
        preferred_contact: 'phone, mornings',
      },
    });
    const status = (answer as { status?: unknown } | undefined)?.status;
    steps.push({
      step: '2. Agent wraps up: refund_request left open',
      http: saveHttp,
      ms: saveMs,
      shows: `save Function: ${String(status)}`,
      ok: saveHttp === 200 && status === 'saved',
      expected: 'saved',
    });
  }

  // 3. The same number calls again: a returning caller with the open intent.
  {
    const [http, ms, attributes] = await call(functionsUrl, caller);
    const view = callerContextView(attributes);
    const ok =
      http === 200 &&
      view.state === 'ready' &&
      view.tier !== 'ignore' &&
      view.intents.some((i) => i.intent === 'refund_request' && (i.attempts ?? 0) >= 1) &&
      view.variables.some((v) => v.name === 'order_id' && v.value === '4471');
    steps.push({
      step: `3. ${number} calls again`,
      http,
      ms,
      shows: describeView(view),
      ok,
      expected: 'a known caller with refund_request open',
      attributes,
    });
    task('Returning caller', attributes);
  }

  // 4. A withheld number: nothing to look the caller up by.
  {
    const [http, ms, attributes] = await call(functionsUrl, 'anonymous');
    const view = callerContextView(attributes);
    steps.push({
      step: '4. A withheld number calls',
      http,
      ms,
      shows: describeView(view),
      ok: http === 200 && view.state === 'degraded' && view.reason === 'no_identity_hints',
      expected: 'context unavailable (no_identity_hints)',
      attributes,
    });
    task('Withheld number', attributes);
  }

  // 5. The API is down: the call still reaches an agent, with a degraded context, in time.
  if (emulator !== undefined) {
    emulator.inject({ type: 'status', status: 503, times: 1000, operation: 'start' });
    const [http, ms, attributes] = await call(functionsUrl, fictionalNumber());
    emulator.clearFaults();
    const view = callerContextView(attributes);
    steps.push({
      step: '5. The API is down (503s) during a call',
      http,
      ms,
      shows: describeView(view),
      // The caller-context Function's deadline is 5 s; a little more for the local runtime's fork.
      ok: http === 200 && view.state === 'degraded' && ms < 5500,
      expected: 'context unavailable, answered within the 5 s deadline',
      attributes,
    });
    task('During an API outage', attributes);
  }

  // 6. A save for a task this agent holds no reservation on: refused, nothing written.
  {
    const [, , attributes, sidOfCall] = await call(functionsUrl, fictionalNumber());
    const otherAgents = routed(attributes, `WK${'2'.repeat(32)}`);
    const [http, ms, answer] = await save(functionsUrl, {
      Token: token,
      TaskSid: otherAgents.taskSid,
      call_id: sidOfCall,
      customer_ref: String(attributes.customer_ref),
      intent: 'billing_inquiry',
      intent_status: 'resolved',
    });
    const status = (answer as { status?: unknown } | undefined)?.status;
    steps.push({
      step: "6. A save for another agent's task",
      http,
      ms,
      shows: `save Function: ${String(status)}`,
      ok: http === 403,
      expected: '403 forbidden',
    });
  }

  // 7. A token Twilio does not know: the save Function refuses it.
  {
    const [http, ms, answer] = await save(functionsUrl, {
      Token: 'not-a-flex-token',
      call_id: callSid(),
      customer_ref: 'cust_unknown',
      intent: 'billing_inquiry',
      intent_status: 'resolved',
    });
    const status = (answer as { status?: unknown } | undefined)?.status;
    steps.push({
      step: '7. A save with a token Twilio does not know',
      http,
      ms,
      shows: `save Function: ${String(status)}`,
      ok: http === 403,
      expected: '403 forbidden',
    });
  }

  // A first-time caller for the desk, too.
  {
    const [, , attributes] = await call(functionsUrl, fictionalNumber());
    task('New caller', attributes);
  }
  return { steps, tasks };
}

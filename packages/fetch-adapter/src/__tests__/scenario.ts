/**
 * One scenario, played against any runtime that serves the three handlers at
 * `/caller-context`, `/save-context` and `/wrapup-event`: a caller's first call stored,
 * refused before completion, saved after and saved again; their second call with the
 * context of the first; refusals (another agent, an unknown token, a request without a
 * task); the safety net saving a wrap-up the agent's save then finds saved; a withheld
 * number. Its transcript (each answer's status, JSON body and CORS origin, with the ids
 * and times of the run replaced by placeholders) must be the same on every runtime.
 */
import type { TaskRouterStandIn } from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { addCallTask, CALLER, OTHER_WORKER_SID, signedForm, TOKENS } from './kit.js';

/** Sends a request to a handler of the runtime; `url` is what Twilio would have been given for it. */
export type Send = (path: string, init: (url: string) => RequestInit) => Promise<Response>;

export interface Step {
  readonly step: string;
  readonly status: number;
  readonly body: unknown;
  readonly allowOrigin: string | null;
}

const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };
let calls = 0;

/** Plays the scenario through `send`, with tasks in `taskRouter`, and returns its transcript. */
export async function playScenario(send: Send, taskRouter: TaskRouterStandIn): Promise<Step[]> {
  const steps: Step[] = [];
  const record = async (step: string, response: Response): Promise<unknown> => {
    const text = await response.text();
    const body: unknown = text === '' ? '' : JSON.parse(text);
    steps.push({
      step,
      status: response.status,
      body: normalised(body),
      allowOrigin: response.headers.get('access-control-allow-origin'),
    });
    return body;
  };
  const start = async (step: string, from: string) => {
    calls += 1;
    const callId = `CA${calls.toString(16).padStart(32, '0')}`;
    const params = { CallSid: callId, From: from, To: '+18005550100', Direction: 'inbound' };
    const body = await record(step, await send('/caller-context', (url) => signedForm(url, params)));
    return { callId, attributes: body as Record<string, unknown> };
  };
  const save = async (step: string, body: Record<string, unknown>, token: string = TOKENS.agent) =>
    record(
      step,
      await send('/save-context', () => ({
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://flex.twilio.com' },
        body: JSON.stringify({ ...body, Token: token }),
      })),
    );

  const first = await start('a new caller calls', CALLER);
  const { taskSid } = addCallTask(taskRouter, first.callId, first.attributes);
  await save('the agent stores the wrap-up', { TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
  await save('a save before completion', { TaskSid: taskSid, wrap_up: WRAP_UP });
  taskRouter.setStatus(taskSid, 'completed', 'completed');
  await save('the save once completed', { TaskSid: taskSid, wrap_up: WRAP_UP });
  await save('the same save again', { TaskSid: taskSid, wrap_up: WRAP_UP });

  const second = await start('the caller calls again', CALLER);
  const again = addCallTask(taskRouter, second.callId, second.attributes);
  await save('another agent’s save', { TaskSid: again.taskSid, wrap_up: WRAP_UP }, TOKENS.otherAgent);
  await save('an unknown token', { TaskSid: again.taskSid, wrap_up: WRAP_UP }, 'flex-token-unknown-9a9a');
  await save('a save naming no task', { wrap_up: WRAP_UP });
  await save('the agent stores the second wrap-up', {
    TaskSid: again.taskSid,
    action: 'store',
    wrap_up: { ...WRAP_UP, intent_status: 'resolved' },
  });
  taskRouter.setStatus(again.taskSid, 'completed', 'completed');
  const event = {
    EventType: 'task.completed',
    Sid: `EV${'1'.repeat(32)}`,
    TaskSid: again.taskSid,
    TaskAttributes: taskRouter.task(again.taskSid)?.attributes ?? '',
  };
  await record('the safety net saves it', await send('/wrapup-event', (url) => signedForm(url, event)));
  await save('the agent’s save finds it saved', {
    TaskSid: again.taskSid,
    wrap_up: { ...WRAP_UP, intent_status: 'resolved' },
  });

  const withheld = await start('a withheld number', 'anonymous');
  addCallTask(taskRouter, withheld.callId, withheld.attributes, { workerSid: OTHER_WORKER_SID });
  return steps;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The body with what differs from run to run (ids, times) replaced by placeholders. */
function normalised(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => normalised(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, normalised(item, name)]));
  }
  if (key === 'ttl_seconds') return '<ttl>';
  if (typeof value !== 'string') return value;
  if (ISO_TIME.test(value)) return '<time>';
  if (value.startsWith('{')) {
    // Attributes written as JSON text (the vendor guide's flat `variables`).
    try {
      return JSON.stringify(normalised(JSON.parse(value)));
    } catch {
      // Not JSON after all: compared as it is.
    }
  }
  if (/customer_ref$/.test(key) && value !== '') return '<customer>';
  return value.replace(/\bCA[0-9a-f]{32}\b/g, '<call>').replace(/\bWT[0-9a-f]{32}\b/g, '<task>');
}

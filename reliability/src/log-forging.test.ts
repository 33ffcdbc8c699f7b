/**
 * Log forging: no value from outside (an event field, a task's attributes or status,
 * a token's claims, the API's error messages) can make a Function write a line of its
 * own. For each handler (caller-context, save-context, the wrapup-event safety net),
 * each field that reaches its log lines and each kind of hostile character (line
 * breaks of every kind, NUL, terminal escape sequences, bidi overrides, other C0 and C1
 * controls), the value carries a complete, genuine-looking line blaming another worker;
 * every line the Function logged must stay one line, with no raw control character,
 * and the hostile value, when it is logged, is there escaped.
 */
import { ATTRIBUTE_KEY, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
  type FunctionHandler,
} from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  BASE_URL,
  CALLER,
  callSid,
  callTask,
  captured,
  completeTask,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  OTHER_WORKER_SID,
  run,
  taskEvent,
  WORKER_SID,
} from './kit.js';
import { notes } from './notes.js';

/** A token whose claims name a hostile "worker". */
const HOSTILE_CLAIMS_TOKEN = 'flex-token-hostile-claims-forging-2b7d';
let hostileWorker = '';
const iam = http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', async ({ request }) => {
  const { token } = (await request.json()) as { token: unknown };
  if (token === FLEX_TOKEN)
    return HttpResponse.json({ valid: true, worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' });
  if (token === HOSTILE_CLAIMS_TOKEN)
    return HttpResponse.json({
      valid: true,
      worker_sid: hostileWorker,
      roles: ['agent'],
      identity: hostileWorker,
    });
  return HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
});
const { server, taskRouter } = emulatedApi(iam);

/** Each kind of character that can end a line, hide one, rewrite a terminal or reorder text. */
const KINDS: readonly (readonly [string, string])[] = [
  ['newline', '\n'],
  ['carriage return', '\r'],
  ['CR LF', '\r\n'],
  ['U+2028 line separator', '\u2028'],
  ['U+2029 paragraph separator', '\u2029'],
  ['U+0085 next line', '\u0085'],
  ['NUL', '\u0000'],
  ['ESC sequence (erase the line, back to its start)', '\u001b[2K\u001b[1G'],
  ['U+202E right-to-left override', '\u202e'],
  ['vertical tab and form feed', '\u000b\u000c'],
  ['DEL and C1 CSI', '\u007f\u009b2K'],
  ['U+2066 left-to-right isolate', '\u2066'],
];

/** A genuine-looking line, after `control`: another worker blamed for a save. */
const forged = (control: string) =>
  `x${control}[stickycalls] save-context call=CA${'5'.repeat(32)}: saved by ${OTHER_WORKER_SID} FORGED`;

/** The first character in `line` that must never reach a log line raw (a control, a separator, a bidi control). */
function rawControlIn(line: string): string | undefined {
  for (const character of line) {
    const code = character.codePointAt(0) as number;
    if (
      code <= 0x1f ||
      (code >= 0x7f && code <= 0x9f) ||
      [0x061c, 0x200e, 0x200f, 0x2028, 0x2029].includes(code) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    )
      return `U+${code.toString(16).padStart(4, '0')}`;
  }
  return undefined;
}

const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };

interface Field {
  readonly handler: 'caller-context' | 'save-context' | 'wrapup-event';
  readonly name: string;
  /** Whether the field's value is logged (escaped); otherwise it is never quoted at all. */
  readonly logged: boolean;
  /** Runs the handler with `hostile` in the field. */
  send(hostile: string): Promise<void>;
}

const callerContext = () => createCallerContextHandler({ ...handlerOptions, Response: FakeResponse });
const saveContext = () => createSaveContextHandler({ ...handlerOptions, Response: FakeResponse });
const wrapupEvent = () => createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
const apiAnswers = (path: 'start' | 'end', message: string) =>
  server.use(
    http.post(`${BASE_URL}/v1/calls/${path}`, () =>
      HttpResponse.json({ error: 'Bad Request', message }, { status: 400 }),
    ),
  );

/** A call's task in TaskRouter, its attributes changed by `change`, held by the suite's agent. */
async function task(
  change: (attributes: Record<string, unknown>) => Record<string, unknown> = (a) => a,
  assignmentStatus = 'wrapping',
) {
  const call = await callTask();
  const attributes = change(call.attributes);
  const taskSid = taskRouter.addTask({
    attributes,
    assignmentStatus,
    reservations: [
      { workerSid: WORKER_SID, status: assignmentStatus === 'completed' ? 'completed' : 'wrapping' },
    ],
  });
  return { ...call, attributes, taskSid };
}

const save = (handler: FunctionHandler, body: Record<string, unknown>) =>
  run(handler, { Token: FLEX_TOKEN, wrap_up: WRAP_UP, ...body });

const FIELDS: readonly Field[] = [
  {
    handler: 'caller-context',
    name: 'the event’s CallSid',
    logged: true,
    send: async (hostile) => {
      await run(callerContext(), { CallSid: `CA${'1'.repeat(32)}${hostile}`, From: CALLER });
    },
  },
  {
    handler: 'caller-context',
    name: 'the event’s From',
    logged: false,
    send: async (hostile) => {
      await run(callerContext(), { CallSid: callSid(), From: `+1415555${hostile}` });
    },
  },
  {
    handler: 'caller-context',
    name: 'the API’s error message',
    logged: true,
    send: async (hostile) => {
      apiAnswers('start', hostile);
      await run(callerContext(), { CallSid: callSid(), From: CALLER });
    },
  },
  {
    handler: 'save-context',
    name: 'the task’s call_sid',
    logged: true,
    send: async (hostile) => {
      const { taskSid } = await task((attributes) => ({ ...attributes, call_sid: hostile }));
      await save(saveContext(), { TaskSid: taskSid, action: 'store' });
    },
  },
  {
    handler: 'save-context',
    name: 'the task’s assignment status',
    logged: true,
    send: async (hostile) => {
      const { taskSid } = await task(undefined, hostile);
      await save(saveContext(), { TaskSid: taskSid });
    },
  },
  {
    handler: 'save-context',
    name: 'the API’s error message on the save',
    logged: true,
    send: async (hostile) => {
      const { taskSid } = await task(undefined, 'completed');
      apiAnswers('end', hostile);
      await save(saveContext(), { TaskSid: taskSid });
    },
  },
  {
    handler: 'save-context',
    name: 'the token’s worker_sid',
    logged: false,
    send: async (hostile) => {
      hostileWorker = `${WORKER_SID}${hostile}`;
      const { taskSid } = await task();
      await save(saveContext(), { Token: HOSTILE_CLAIMS_TOKEN, TaskSid: taskSid });
    },
  },
  {
    handler: 'save-context',
    name: 'the intent and a variable’s name',
    logged: false,
    send: async (hostile) => {
      const { taskSid } = await task();
      await save(saveContext(), {
        TaskSid: taskSid,
        action: 'store',
        wrap_up: { intent: hostile, intent_status: 'open', variables: { [hostile]: 'x' } },
      });
    },
  },
  {
    handler: 'wrapup-event',
    name: 'the event’s TaskSid',
    logged: true,
    send: async (hostile) => {
      const own = await task();
      const wrapUp = { ...WRAP_UP, call_id: callSid(), customer_ref: null, saved: false };
      await run(wrapupEvent(), {
        ...taskEvent(own.taskSid, { ...own.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
        TaskSid: `WT${'2'.repeat(32)}${hostile}`,
      });
    },
  },
  {
    handler: 'wrapup-event',
    name: 'the call the task names (its call_sid and its wrap-up’s call_id)',
    logged: true,
    send: async (hostile) => {
      const own = await task((attributes) => ({ ...attributes, call_sid: hostile }), 'completed');
      const customerRef = (own.attributes[ATTRIBUTE_KEY] as { customer_ref?: string | null }).customer_ref;
      const wrapUp = { ...WRAP_UP, call_id: hostile, customer_ref: customerRef ?? null, saved: false };
      completeTask(taskRouter, own.taskSid);
      await run(
        wrapupEvent(),
        taskEvent(own.taskSid, { ...own.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      );
    },
  },
  {
    handler: 'wrapup-event',
    name: 'the API’s error message on the save',
    logged: true,
    send: async (hostile) => {
      const own = await task(undefined, 'completed');
      const customerRef = (own.attributes[ATTRIBUTE_KEY] as { customer_ref?: string | null }).customer_ref;
      const wrapUp = { ...WRAP_UP, call_id: own.callId, customer_ref: customerRef ?? null, saved: false };
      apiAnswers('end', hostile);
      await run(
        wrapupEvent(),
        taskEvent(own.taskSid, { ...own.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      );
    },
  },
];

const combinations = FIELDS.flatMap((field) =>
  KINDS.map(([kind, control]) => [field.handler, field.name, kind, field, control] as const),
);
notes.push(
  `${combinations.length} combinations: ${FIELDS.length} fields of 3 handlers × ${KINDS.length} kinds of hostile character`,
);

describe('every line a Function logs stays one line, whatever the fields hold', () => {
  it.each(combinations)('%s, %s: %s', async (_handler, _field, _kind, field, control) => {
    const before = captured.logs.length;
    await field.send(forged(control));
    const lines = captured.logs.slice(before).filter((line) => line.includes('[stickycalls]'));
    expect(lines.length, 'the Function logged nothing').toBeGreaterThan(0);
    for (const line of lines) {
      expect(rawControlIn(line), JSON.stringify(line)).toBeUndefined();
      // One line: the forged "[stickycalls]" is inside it, never at the start of another.
      expect(line.startsWith('[stickycalls] '), JSON.stringify(line)).toBe(true);
    }
    if (field.logged) {
      // The value did reach a line, escaped: the forgery is plain to see, inside the genuine line.
      expect(
        lines.some((line) => line.includes('FORGED')),
        JSON.stringify(lines),
      ).toBe(true);
    }
  });
});

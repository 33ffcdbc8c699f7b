/**
 * The whole integration on this machine, with no Twilio account and no Sticky Calls key:
 *
 * 1. the Sticky Calls API: the core's emulator on 127.0.0.1 (or the real API when
 *    STICKY_CALLS_API_KEY, and optionally STICKY_CALLS_BASE_URL, are set);
 * 2. TaskRouter: the adapter's TaskRouter stand-in, served on 127.0.0.1 by this process,
 *    holding every task (attributes, assignment status, reservations);
 * 3. the example Functions (examples/twilio-serverless) in Twilio's local runtime, whose
 *    TaskRouter requests reach that stand-in (twilio-preload.cjs);
 * 4. a scenario over HTTP: a new caller's wrap-up (stored on the task, a save before
 *    completion refused, saved once completed), the caller again, a withheld number, an
 *    API outage, and refused saves (another agent's task, another call or customer named,
 *    an unknown token); printed as a table with each step's attributes;
 * 5. an agent desk page with the real panel and wrap-up on the agent's tasks in
 *    TaskRouter, storing and saving through the Function.
 *
 * `--runtime fetch` serves the same three handlers on `@stickycalls/fetch-adapter` in a
 * plain Node server instead of twilio-run, so the whole scenario is proved on it.
 *
 * `npm start` runs it and serves the desk until Ctrl-C. `--once` plays the scenario,
 * drives the desk in headless Chromium, saves a screenshot and exits 1 if anything did
 * not behave as expected (CI runs it). `--screenshot <file>` sets where the picture goes.
 */
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_URL, SERVER_VARIABLES, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import {
  createTaskRouterStandIn,
  serveTaskRouter,
  type TaskRouterStandIn,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { checkDeskInBrowser } from './browser.js';
import { type Desk, type DeskEntry, startDesk } from './desk.js';
import { startRuntime } from './runtime.js';
import { playScenario, type StepResult } from './scenario.js';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string' },
    screenshot: { type: 'string' },
    runtime: { type: 'string', default: 'twilio-run' },
  },
});
if (args.runtime !== 'twilio-run' && args.runtime !== 'fetch') {
  console.error(
    `--runtime is twilio-run (the Function adapter) or fetch (the fetch adapter), not ${args.runtime}`,
  );
  process.exit(2);
}
const runtimeKind = args.runtime;

const tty = process.stdout.isTTY;
const bold = (text: string) => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (tty ? `\x1b[2m${text}\x1b[0m` : text);
const mark = (ok: boolean) => (ok ? (tty ? '\x1b[32m✓\x1b[0m' : '✓') : tty ? '\x1b[31m✗\x1b[0m' : '✗');
const WORKER = `WK${'0'.repeat(31)}1`;
const WORKSPACE = `WS${'0'.repeat(32)}`;

const cleanups: (() => Promise<void>)[] = [];
async function shutdown(code: number): Promise<never> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main(): Promise<void> {
  const started = performance.now();
  if (args.once) {
    // CI must not wait for its own timeout if something hangs: two minutes is ten times a normal run.
    setTimeout(() => {
      console.error('--once did not finish within 120 s');
      void shutdown(1);
    }, 120_000).unref();
  }
  const realKey = process.env.STICKY_CALLS_API_KEY?.trim();
  if (realKey?.startsWith('sk_prod_')) {
    // The scenario writes made-up wrap-ups: never into production memory.
    console.error('The demo writes made-up calls and wrap-ups: use an sk_test_ key, not an sk_prod_ one.');
    await shutdown(2);
  }
  let emulator: EmulatorServer | undefined;
  let clockOffset = 0;
  if (realKey === undefined || realKey === '') {
    // A clock the scenario can move, to stage a caller last heard from weeks ago.
    emulator = await startEmulatorServer({ now: () => new Date(Date.now() + clockOffset) });
    cleanups.push(() => (emulator as EmulatorServer).close());
  }
  const apiUrl = emulator?.url ?? process.env.STICKY_CALLS_BASE_URL ?? DEFAULT_BASE_URL;
  console.log(bold('Sticky Calls for Twilio Flex: the whole integration, locally'));
  console.log(
    `  API        ${emulator ? `emulator at ${apiUrl} (set STICKY_CALLS_API_KEY to use the real API)` : `${apiUrl} (your key)`}`,
  );

  // TaskRouter: every task of the scenario and the desk lives here, in this process.
  const accountSid = `AC${'0'.repeat(32)}`;
  // twilio-run's getTwilioClient() wants a 32-character auth token.
  const authToken = randomBytes(16).toString('hex');
  const taskRouter = createTaskRouterStandIn({ accountSid, authToken, workspaceSid: WORKSPACE });
  const taskRouterServer = await serveTaskRouter(taskRouter);
  cleanups.push(() => taskRouterServer.close());
  console.log(`  TaskRouter ${taskRouterServer.url} (stand-in for workspace ${WORKSPACE})`);

  // The agent's token for this run; the demo's IAM stand-in knows it, Twilio does not.
  const token = `demo-${randomBytes(18).toString('base64url')}`;
  const runtime = await startRuntime({
    onSpawn: (stop) => cleanups.push(stop),
    env: {
      ACCOUNT_SID: accountSid,
      AUTH_TOKEN: authToken,
      STICKY_CALLS_API_KEY: realKey || EMULATOR_API_KEY,
      // The save Function reads and writes the tasks of this workspace.
      TWILIO_WORKSPACE_SID: WORKSPACE,
      ...(emulator || process.env.STICKY_CALLS_BASE_URL ? { STICKY_CALLS_BASE_URL: apiUrl } : {}),
    },
    tokens: { [token]: { worker_sid: WORKER, roles: ['agent'], identity: 'demo-agent' } },
    taskRouterUrl: taskRouterServer.url,
    kind: runtimeKind,
  });
  console.log(
    `  Functions  ${runtime.url} (${runtimeKind === 'fetch' ? '@stickycalls/fetch-adapter on node:http' : 'twilio-run'}: caller-context, save-context, wrapup-event)`,
  );

  const { steps, desk: entries } = await playScenario({
    functionsUrl: runtime.url,
    authToken,
    token,
    workerSid: WORKER,
    taskRouter,
    ...(emulator
      ? {
          emulator: emulator.emulator,
          setClock: (offsetMs: number) => {
            clockOffset = offsetMs;
          },
        }
      : {}),
  });
  printSteps(steps);

  const desk = await startDesk({
    taskRouter,
    tasks: entries,
    workerSid: WORKER,
    token,
    functionsUrl: runtime.url,
    onSave: ({ action, status, body }) => {
      const answer = body as { status?: unknown; call_id?: unknown; code?: unknown } | undefined;
      const code = typeof answer?.code === 'string' ? ` ${answer.code}` : '';
      console.log(
        `  desk → save Function (${action}): ${status} ${String(answer?.status)}${code} (call ${String(answer?.call_id ?? '?')})`,
      );
    },
    onMove: ({ title, to, by }) =>
      console.log(`  desk → TaskRouter: "${title}" ${to}${by === 'supervisor' ? ' by a supervisor' : ''}`),
    // The desk's usual port (4400) when it is free; any free port for --once.
    ...(args.port ? { port: portOf(args.port) } : args.once ? { port: 0 } : {}),
  });
  cleanups.push(() => desk.close());

  if (args.once) {
    const screenshot = resolve(
      args.screenshot ?? resolve(import.meta.dirname, '../../../.cache/demo/agent-desk.png'),
    );
    const returning = entries.find((entry) => entry.title === 'Returning caller');
    const elsewhere = entries.find((entry) => entry.title === 'New caller');
    const verify = entries.find((entry) => entry.title === 'Verify identity');
    const check = await checkDeskInBrowser(desk.url, screenshot, {
      verifyScreenshot: resolve(dirname(screenshot), 'verified-caller.png'),
      // The page saves after the completion: the browser stays open until the Function answered.
      saved: (title) => {
        const entry = entries.find((candidate) => candidate.title === title);
        return desk.saves.some((save) => save.action === 'save' && save.taskSid === entry?.taskSid);
      },
    });
    const saveProblems = [
      ...deskSaveProblems(desk, taskRouter, returning, 'the desk'),
      ...deskSaveProblems(desk, taskRouter, elsewhere, 'the supervisor'),
      ...(verify ? deskSaveProblems(desk, taskRouter, verify, 'the desk') : []),
      ...apiProblems(emulator, verify !== undefined),
    ];
    const problems = [
      ...steps
        .filter((step) => !step.ok)
        .map((step) => `${step.step}: expected ${step.expected}, got ${step.shows}`),
      ...check.problems,
      ...saveProblems,
    ];
    console.log(
      `\n${mark(check.problems.length === 0 && saveProblems.length === 0)} Agent desk in Chromium: a wrap-up completed from elsewhere saved; the returning caller's wrap-up resolved refund_request, stored before completion, saved after it, marked saved on the task in TaskRouter; the caller the agent verified saved with who verified them; screenshot ${check.screenshot}`,
    );
    console.log(dim(`  Done in ${((performance.now() - started) / 1000).toFixed(1)} s`));
    if (problems.length > 0) {
      console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      await shutdown(1);
    }
    await shutdown(0);
  }
  console.log(`\n${bold('Agent desk:')} ${desk.url}`);
  console.log(
    dim('  The real panel and wrap-up on the tasks above: end a call, wrap up, complete. Ctrl-C to stop.'),
  );
}

/**
 * What `--once` expects of a desk task's wrap-up: stored on the task before it completed,
 * saved by the Function after, and marked saved on the task in TaskRouter (completed
 * there). `by` says who completed it: the desk's agent, or a supervisor elsewhere (then
 * nothing was stored before: the page saves its draft once it sees the task gone).
 */
function deskSaveProblems(
  desk: Desk,
  taskRouter: TaskRouterStandIn,
  entry: DeskEntry | undefined,
  by: 'the desk' | 'the supervisor',
): string[] {
  if (entry === undefined) return [`no desk task completed by ${by}`];
  const problems: string[] = [];
  const name = `"${entry.title}"`;
  const answered = (action: string, status: string) =>
    desk.saves.filter(
      (save) =>
        save.taskSid === entry.taskSid &&
        save.action === action &&
        (save.body as { status?: unknown } | undefined)?.status === status,
    ).length;
  const mine = desk.saves.filter((save) => save.taskSid === entry.taskSid);
  if (by === 'the desk' && (answered('store', 'stored') !== 1 || mine[0]?.action !== 'store'))
    problems.push(`${name}: its wrap-up was not stored on the task first (${describeSaves(mine)})`);
  if (answered('save', 'saved') !== 1)
    problems.push(`${name}: not exactly one save answered "saved" (${describeSaves(mine)})`);
  const task = taskRouter.task(entry.taskSid);
  if (task?.assignmentStatus !== 'completed')
    problems.push(`${name} is ${task?.assignmentStatus ?? 'gone'} in TaskRouter, not completed`);
  const wrapUp = task
    ? (taskRouter.attributes(entry.taskSid)[WRAP_UP_ATTRIBUTE_KEY] as WrapUpOnTask)
    : undefined;
  const call = task ? taskRouter.attributes(entry.taskSid).call_sid : undefined;
  if (wrapUp?.saved !== true || wrapUp.intent_status !== 'resolved' || wrapUp.call_id !== call) {
    problems.push(
      `${name}'s task in TaskRouter holds ${JSON.stringify(wrapUp ?? null)}, not a saved, resolved wrap-up of its call`,
    );
  }
  // Every write to the task was the save Function's, each with If-Match.
  const writes = taskRouter.requests.filter(
    (request) => request.method === 'POST' && request.path.endsWith(`/Tasks/${entry.taskSid}`),
  );
  if (writes.length === 0 || writes.some((request) => request.ifMatch === null))
    problems.push(`${name}: ${writes.length} write(s) to the task, not all with If-Match`);
  return problems;
}

type WrapUpOnTask = { saved?: unknown; intent_status?: unknown; call_id?: unknown } | undefined;

function describeSaves(saves: Desk['saves']): string {
  if (saves.length === 0) return 'none';
  return saves
    .map((save) => `${save.action} → ${save.status} ${String((save.body as { status?: unknown })?.status)}`)
    .join(', ');
}

/** What reached the API at the end of a call: one `calls.end` body. */
type EndBody = { intent?: unknown; intent_status?: unknown; variables?: Record<string, unknown> } | undefined;

/**
 * The API's ends for the desk's wrap-ups: the returning caller's resolved refund_request
 * with its summary, and the verified caller's, recording who verified them (this agent,
 * as the token names them, never as the page says) and when the last contact was.
 */
function apiProblems(emulator: EmulatorServer | undefined, verified: boolean): string[] {
  if (emulator === undefined) return [];
  const ends = emulator.emulator.requests.filter(
    (request) => request.operation === 'end' && request.status === 200,
  );
  const endOf = (intent: string) =>
    [...ends].reverse().find((request) => (request.body as EndBody)?.intent === intent)?.body as EndBody;
  const problems: string[] = [];
  const refund = endOf('refund_request');
  if (refund?.intent_status !== 'resolved' || !refund.variables?.summary)
    problems.push(
      `the API's calls.end for refund_request was ${JSON.stringify(refund ?? null)}, not the desk's resolved one`,
    );
  if (verified) {
    const address = endOf('delivery_address_change');
    const variables = address?.variables ?? {};
    if (
      address?.intent_status !== 'resolved' ||
      variables[SERVER_VARIABLES.verifiedBy] !== WORKER ||
      variables[SERVER_VARIABLES.verifiedHow] !== 'agent' ||
      typeof variables[SERVER_VARIABLES.verifiedAt] !== 'string' ||
      typeof variables[SERVER_VARIABLES.lastContact] !== 'string'
    )
      problems.push(
        `the verified caller's calls.end was ${JSON.stringify(address ?? null)}, not a resolved one recording who verified them`,
      );
  }
  return problems;
}

function portOf(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0 to 65535), got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

function printSteps(steps: readonly StepResult[]): void {
  const rows = steps.map((step) => [
    mark(step.ok),
    step.step,
    String(step.http),
    `${step.ms} ms`,
    step.attributes ? `${JSON.stringify(step.attributes).length} ch` : '',
    step.shows,
  ]);
  const headers = ['', 'step', 'HTTP', 'time', 'attributes', 'the agent sees'];
  const widths = headers.map((header, i) =>
    Math.min(i === 5 ? 70 : 48, Math.max(header.length, ...rows.map((row) => visible(row[i] ?? '').length))),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => pad(cell, widths[i] ?? 0, i === 2 || i === 3 || i === 4)).join('  ');
  console.log(`\n${bold(line(headers))}`);
  for (const row of rows) console.log(line(row));
  console.log(bold('\nTask attributes at each call (as the Studio flow puts them on the task):'));
  for (const step of steps) {
    if (!step.attributes) continue;
    const { sticky_calls: namespaced, ...flat } = step.attributes;
    console.log(`  ${step.step}`);
    console.log(dim(`    sticky_calls  ${JSON.stringify(namespaced)}`));
    console.log(dim(`    other keys    ${JSON.stringify(flat)}`));
  }
}

function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours to measure.
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function pad(text: string, width: number, right: boolean): string {
  const shown = visible(text);
  const cut = shown.length > width ? `${text.slice(0, width - 1)}…` : text;
  const fill = ' '.repeat(Math.max(0, width - Math.min(shown.length, width)));
  return right ? fill + cut : cut + fill;
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await shutdown(1);
});

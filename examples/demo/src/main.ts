/**
 * The whole integration on this machine, with no Twilio account and no Sticky Calls key:
 *
 * 1. the Sticky Calls API: the core's emulator on 127.0.0.1 (or the real API when
 *    STICKY_CALLS_API_KEY, and optionally STICKY_CALLS_BASE_URL, are set);
 * 2. the example Functions (examples/twilio-serverless) in Twilio's local runtime;
 * 3. a scenario over HTTP: a new caller, a wrap-up, the caller again, a withheld number,
 *    an API outage, saves for another agent's task and with an unknown token (refused);
 *    printed as a table with each step's attributes;
 * 4. an agent desk page with the real panel and wrap-up, saving through the Function.
 *
 * `npm start` runs it and serves the desk until Ctrl-C. `--once` plays the scenario,
 * drives the desk in headless Chromium, saves a screenshot and exits 1 if anything did
 * not behave as expected (CI runs it). `--screenshot <file>` sets where the picture goes.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_URL, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { checkDeskInBrowser } from './browser.js';
import { type Desk, startDesk } from './desk.js';
import { startRuntime } from './runtime.js';
import { playScenario, type StepResult } from './scenario.js';

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string' },
    screenshot: { type: 'string' },
  },
});

const tty = process.stdout.isTTY;
const bold = (text: string) => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (tty ? `\x1b[2m${text}\x1b[0m` : text);
const mark = (ok: boolean) => (ok ? (tty ? '\x1b[32m✓\x1b[0m' : '✓') : tty ? '\x1b[31m✗\x1b[0m' : '✗');
const WORKER = `WK${'0'.repeat(31)}1`;

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
  if (realKey === undefined || realKey === '') {
    emulator = await startEmulatorServer();
    cleanups.push(() => (emulator as EmulatorServer).close());
  }
  const apiUrl = emulator?.url ?? process.env.STICKY_CALLS_BASE_URL ?? DEFAULT_BASE_URL;
  console.log(bold('Sticky Calls for Twilio Flex: the whole integration, locally'));
  console.log(
    `  API        ${emulator ? `emulator at ${apiUrl} (set STICKY_CALLS_API_KEY to use the real API)` : `${apiUrl} (your key)`}`,
  );

  // The agent's token for this run; the demo's IAM stand-in knows it, Twilio does not.
  const token = `demo-${randomBytes(18).toString('base64url')}`;
  const runtime = await startRuntime({
    onSpawn: (stop) => cleanups.push(stop),
    env: {
      ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      AUTH_TOKEN: randomBytes(16).toString('hex'),
      STICKY_CALLS_API_KEY: realKey || EMULATOR_API_KEY,
      // The save Function checks reservations in this workspace (answered by the demo's stand-in).
      TWILIO_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
      ...(emulator || process.env.STICKY_CALLS_BASE_URL ? { STICKY_CALLS_BASE_URL: apiUrl } : {}),
    },
    tokens: { [token]: { worker_sid: WORKER, roles: ['agent'], identity: 'demo-agent' } },
  });
  console.log(`  Functions  ${runtime.url} (twilio-run: caller-context, save-context, wrapup-event)`);

  const { steps, tasks } = await playScenario({
    functionsUrl: runtime.url,
    token,
    workerSid: WORKER,
    addTask: runtime.addTask,
    ...(emulator ? { emulator: emulator.emulator } : {}),
  });
  printSteps(steps);

  const desk = await startDesk({
    tasks,
    token,
    functionsUrl: runtime.url,
    onSave: ({ status, body }) => {
      const answer = body as { status?: unknown; call_id?: unknown } | undefined;
      console.log(
        `  desk → save Function: ${status} ${String(answer?.status)} (call ${String(answer?.call_id ?? '?')})`,
      );
    },
    // The desk's usual port (4400) when it is free; any free port for --once.
    ...(args.port ? { port: portOf(args.port) } : args.once ? { port: 0 } : {}),
  });
  cleanups.push(() => desk.close());

  if (args.once) {
    const screenshot = resolve(
      args.screenshot ?? resolve(import.meta.dirname, '../../../.cache/demo/agent-desk.png'),
    );
    const check = await checkDeskInBrowser(desk.url, screenshot);
    const saveProblems = deskSaveProblems(desk, emulator);
    const problems = [
      ...steps
        .filter((step) => !step.ok)
        .map((step) => `${step.step}: expected ${step.expected}, got ${step.shows}`),
      ...check.problems,
      ...saveProblems,
    ];
    console.log(
      `\n${mark(check.problems.length === 0 && saveProblems.length === 0)} Agent desk in Chromium: the wrap-up resolved refund_request, saved through the Function and marked on the task; screenshot ${check.screenshot}`,
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

/** What `--once` expects of the desk's wrap-up: saved by the Function, resolved in the API, marked on the task. */
function deskSaveProblems(desk: Desk, emulator: EmulatorServer | undefined): string[] {
  const problems: string[] = [];
  const saved = desk.saves.filter(
    (save) => save.status === 200 && (save.body as { status?: unknown })?.status === 'saved',
  );
  if (saved.length !== 1)
    problems.push(`the desk's wrap-up: ${desk.saves.length} save(s), ${saved.length} answered "saved"`);
  const returning = desk.tasks.find((task) => task.title === 'Returning caller');
  const wrapUp = returning?.attributes[WRAP_UP_ATTRIBUTE_KEY] as
    | { saved?: unknown; intent_status?: unknown }
    | undefined;
  if (wrapUp?.saved !== true || wrapUp.intent_status !== 'resolved') {
    problems.push(
      `the returning caller's task holds ${JSON.stringify(wrapUp ?? null)}, not a saved, resolved wrap-up`,
    );
  }
  if (emulator !== undefined) {
    const end = [...emulator.emulator.requests].reverse().find((request) => request.operation === 'end');
    const body = end?.body as
      | { intent?: unknown; intent_status?: unknown; variables?: { summary?: unknown } }
      | undefined;
    if (
      end?.status !== 200 ||
      body?.intent !== 'refund_request' ||
      body.intent_status !== 'resolved' ||
      !body.variables?.summary
    ) {
      problems.push(
        `the API's last calls.end was ${JSON.stringify(end ?? null)}, not the desk's resolved refund_request`,
      );
    }
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

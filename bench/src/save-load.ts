/**
 * The save path under load: the save Function in Twilio's local runtime, posted to as
 * the SDK's plugin posts after a completion (the agent's token, the task, `action:
 * 'save'`), each save for a task of its own, completed, in the TaskRouter stand-in the
 * runtime's processes reach; beside the vendor guide's unauthenticated save Function.
 * Twice: with warm Functions, one process serving every request as Twilio's cloud keeps a
 * Function's container warm (`--no-fork-process`), and with twilio-run's default of a
 * fresh process per request, where every save pays a cold start.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import {
  createStickyCallsClient,
  type StartCallResponse,
  toTaskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
} from '@stickycalls/core';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import {
  createTaskRouterStandIn,
  serveTaskRouter,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { startRuntime } from '../../examples/demo/src/runtime.js';
import { median, ms, quantile, type Row, ratio, ratioAtLeast, sleep } from './report.js';

const require = createRequire(import.meta.url);
const CONCURRENCY = Number(process.env.BENCH_LOAD_CONCURRENCY ?? 8);
const ROUND_MS = Number(process.env.BENCH_LOAD_ROUND_MS ?? 6000);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 3);
const BENCH_DIR = resolve(import.meta.dirname, '..');
const WORKER = `WK${'b'.repeat(32)}`;
const WORKSPACE = `WS${'b'.repeat(32)}`;

const { saveWrapUp } = require('../baselines/plugin-save.js') as {
  saveWrapUp: (url: string, task: object) => Promise<Response>;
};

interface Tally {
  sent: string[];
  latencies: number[];
  ok: number;
  elapsedMs: number;
}

export async function saveLoad(): Promise<Row[]> {
  return [...(await saveLoadIn(true)), ...(await saveLoadIn(false))];
}

async function saveLoadIn(warmFunctions: boolean): Promise<Row[]> {
  const emulator = await startEmulatorServer();
  const stops: (() => Promise<void>)[] = [() => emulator.close()];
  try {
    const token = `bench-${randomBytes(12).toString('base64url')}`;
    const tokens = { [token]: { worker_sid: WORKER, roles: ['agent'], identity: 'bench-agent' } };
    const accountSid = `AC${'0'.repeat(32)}`;
    // twilio-run's getTwilioClient() wants a 32-character auth token.
    const authToken = randomBytes(16).toString('hex');
    const taskRouter = createTaskRouterStandIn({ accountSid, authToken, workspaceSid: WORKSPACE });
    const taskRouterServer = await serveTaskRouter(taskRouter);
    stops.push(() => taskRouterServer.close());
    const env = {
      ACCOUNT_SID: accountSid,
      AUTH_TOKEN: authToken,
      STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
      STICKY_CALLS_BASE_URL: emulator.url,
      TWILIO_WORKSPACE_SID: WORKSPACE,
    };
    const [ours, guide] = await Promise.all([
      startRuntime({
        env,
        tokens,
        taskRouterUrl: taskRouterServer.url,
        onSpawn: (stop) => stops.push(stop),
        warm: warmFunctions,
      }),
      // The guide's Functions in the same runtime, with the same stand-ins preloaded.
      startRuntime({
        env,
        tokens,
        taskRouterUrl: taskRouterServer.url,
        serviceDir: BENCH_DIR,
        functionsFolder: 'baselines/functions',
        onSpawn: (stop) => stops.push(stop),
        warm: warmFunctions,
      }),
    ]);

    // Customers known to the API (each wrap-up is a new call of one of them).
    const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: emulator.url });
    const customers: { ani: string; started: StartCallResponse }[] = [];
    for (let i = 0; i < 20; i++) {
      const ani = `+1415555${String(1000 + i)}`;
      const started = await sticky.calls.start({
        call_id: `CA${randomBytes(16).toString('hex')}`,
        identity_hints: { ani },
      });
      customers.push({ ani, started });
    }
    let sequence = 0;
    const wrapUp = () => {
      sequence += 1;
      const customer = customers[sequence % customers.length] as (typeof customers)[number];
      return {
        callSid: `CA${randomBytes(16).toString('hex')}`,
        customer,
        summary: `Wrap-up ${sequence}: kettle arrived broken; refund promised within 5 days.`,
        disposition: 'refund_promised',
      };
    };
    type WrapUp = ReturnType<typeof wrapUp>;
    // Ours: the call's task, as Studio and Flex made it, completed by the agent (not timed).
    const taskOf = new Map<string, string>();
    const completedTask = (w: WrapUp) => {
      const taskSid = taskRouter.addTask({
        attributes: {
          ...toTaskAttributes(w.customer.started),
          call_sid: w.callSid,
          from: w.customer.ani,
          to: '+18005550100',
          direction: 'inbound',
        },
        assignmentStatus: 'completed',
        reservations: [{ workerSid: WORKER, status: 'completed' }],
      });
      taskOf.set(w.callSid, taskSid);
      return taskSid;
    };
    const prepare = { ours: completedTask, guide: () => undefined };
    const post = {
      // What the plugin sends at afterCompleteTask (postWrapUp's body).
      ours: async (w: WrapUp) =>
        fetch(`${ours.url}/save-context`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: 'https://flex.twilio.com' },
          body: JSON.stringify({
            TaskSid: taskOf.get(w.callSid),
            action: 'save',
            wrap_up: {
              intent: 'refund_request',
              intent_status: 'open',
              variables: { summary: w.summary, disposition: w.disposition },
            },
            Token: token,
          }),
          signal: AbortSignal.timeout(15_000),
        }),
      guide: async (w: WrapUp) =>
        saveWrapUp(guide.url, {
          attributes: {
            call_sid: w.callSid,
            customer_ref: w.customer.started.customer_ref,
            intent_resolved: false,
          },
          // The guide reads these; a real Flex task has none of them (the guide's defect, not measured here).
          taskChannelUniqueName: 'refund_request',
          workspaceNote: w.summary,
          disposition: w.disposition,
        }),
    };
    const tallies = {
      ours: { sent: [], latencies: [], ok: 0, elapsedMs: 0 } as Tally,
      guide: { sent: [], latencies: [], ok: 0, elapsedMs: 0 } as Tally,
    };
    const rps = { ours: [] as number[], guide: [] as number[] };
    const round = async (name: 'ours' | 'guide') => {
      const tally = tallies[name];
      const started = performance.now();
      const until = started + ROUND_MS;
      let completed = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const w = wrapUp();
            prepare[name](w);
            tally.sent.push(w.callSid);
            const t = performance.now();
            const response = await post[name](w).catch(() => undefined);
            await response?.arrayBuffer().catch(() => undefined);
            tally.latencies.push(performance.now() - t);
            if (response?.ok) tally.ok += 1;
            completed += 1;
          }
        }),
      );
      const elapsed = performance.now() - started;
      tally.elapsedMs += elapsed;
      rps[name].push((completed / elapsed) * 1000);
    };
    // A short warm-up of each (not counted), then alternating rounds.
    const warm = wrapUp();
    prepare.ours(warm);
    await Promise.all([post.ours(warm), post.guide(wrapUp())]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['ours', 'guide'] as const) : (['guide', 'ours'] as const)) {
        await round(name);
      }
    }
    await sleep(500);
    const saved = new Set(
      emulator.emulator.requests
        .filter((request) => request.operation === 'end' && request.status === 200)
        .map((request) => (request.body as { call_id?: string }).call_id),
    );
    const lost = (tally: Tally) => tally.sent.filter((callSid) => !saved.has(callSid)).length;
    // Ours also marks each saved wrap-up on its task (so the safety net does not save it again).
    const unmarked = tallies.ours.sent.filter((callSid) => {
      const taskSid = taskOf.get(callSid);
      const onTask = taskSid ? taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY] : undefined;
      return (onTask as { saved?: unknown } | undefined)?.saved !== true;
    }).length;
    const mode = warmFunctions ? 'warm Functions, as in Twilio’s cloud' : 'a fresh process per request';
    const section = `Save path under load (twilio-run, ${mode}; ${CONCURRENCY} concurrent wrap-ups, ${ROUNDS}×${ROUND_MS / 1000} s rounds each)`;
    const row = (
      measure: string,
      o: number,
      g: number,
      show: (v: number) => string,
      target = '',
      met?: boolean,
    ) => ({
      section,
      measure,
      ours: show(o),
      baseline: show(g),
      ratio: ratio(o, g),
      target,
      met,
    });
    const perSecond = (value: number) => `${value.toFixed(1)} req/s`;
    return [
      warmFunctions
        ? row(
            'throughput, median of the rounds',
            median(rps.ours),
            median(rps.guide),
            perSecond,
            'ratio ≥ 1.00',
            ratioAtLeast(median(rps.ours), median(rps.guide), 1),
          )
        : row('throughput, median of the rounds', median(rps.ours), median(rps.guide), perSecond),
      row('latency p50', median(tallies.ours.latencies), median(tallies.guide.latencies), ms),
      row('latency p99', quantile(tallies.ours.latencies, 0.99), quantile(tallies.guide.latencies, 0.99), ms),
      {
        section,
        measure: 'saves lost (wrap-ups sent that the emulator never saved)',
        ours: `${lost(tallies.ours)} of ${tallies.ours.sent.length}`,
        baseline: `${lost(tallies.guide)} of ${tallies.guide.sent.length}`,
        ratio: '—',
        target: 'ours 0',
        met: lost(tallies.ours) === 0,
      },
      {
        section,
        measure: 'wrap-ups not marked saved on their task in TaskRouter (ours only; the guide writes none)',
        ours: `${unmarked} of ${tallies.ours.sent.length}`,
        baseline: '—',
        ratio: '—',
        target: 'ours 0',
        met: unmarked === 0,
      },
    ];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

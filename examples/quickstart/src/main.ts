/**
 * A caller's first and second call, through the typed client, against the Sticky
 * Calls emulator on 127.0.0.1: what the agent would see at each step, what lands in
 * the task attributes, and what happens when the API is down.
 *
 * Run from the repository root: `npm start`.
 */
import {
  ATTRIBUTE_KEY,
  type CallerContextState,
  createStickyCallsClient,
  degradedTaskAttributes,
  maskCallerNumber,
  readCallerContext,
  toTaskAttributes,
} from '@stickycalls/core';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';

const CALLER = '+14155551234';
const server = await startEmulatorServer();
const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: server.url });

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started)];
}

function showAgentView(state: CallerContextState): void {
  if (state.state !== 'ready') {
    console.log(
      `  Agent sees:   ${state.state === 'degraded' ? `no context (${state.reason}), call handled as new` : state.state}`,
    );
    return;
  }
  const { context } = state;
  const who =
    context.tier === 'reuse'
      ? 'returning caller'
      : context.tier === 'confirm'
        ? 'maybe returning: confirm identity'
        : 'new caller';
  console.log(
    `  Agent sees:   ${who} (confidence ${Math.round(context.confidence * 100)} %, ${context.level ?? 'no level'})`,
  );
  for (const intent of context.intents) {
    console.log(`                open: ${intent.intent}, attempt ${intent.attempts ?? '?'}`);
  }
  for (const [name, value] of Object.entries(context.vars)) console.log(`                ${name}: ${value}`);
  if (context.sources.length > 0)
    console.log(dim(`                matched on ${context.sources.join(', ')}`));
}

function showAttributes(attributes: ReturnType<typeof toTaskAttributes>): void {
  const namespaced = JSON.stringify(attributes[ATTRIBUTE_KEY]);
  console.log(dim(`  Task attributes (${ATTRIBUTE_KEY}, ${namespaced.length} of 2,048 characters):`));
  console.log(dim(`  ${namespaced}`));
}

try {
  console.log(bold('Sticky Calls quickstart'));
  console.log(dim(`API emulator on ${server.url} (no account or key needed)\n`));

  console.log(bold(`1. First call from ${maskCallerNumber(CALLER)}`));
  const [first, firstMs] = await timed(() =>
    sticky.calls.start({ call_id: 'CA-quickstart-1', identity_hints: { ani: CALLER } }),
  );
  console.log(`  calls.start   ${firstMs} ms → customer_ref ${first.customer_ref}`);
  showAgentView(readCallerContext(toTaskAttributes(first)));

  const wrapUp = {
    intent: 'refund_request',
    intent_status: 'open',
    variables: {
      name: 'Ada Lovelace',
      order_id: 'A-1042',
      summary: 'Refund for a damaged kettle, awaiting photos',
    },
  } as const;
  const [saved, savedMs] = await timed(() =>
    sticky.calls.end({ call_id: 'CA-quickstart-1', customer_ref: first.customer_ref, ...wrapUp }),
  );
  console.log(
    `  calls.end     ${savedMs} ms → saved intent ${wrapUp.intent} (${wrapUp.intent_status}) and ${saved.variables_updated} variables\n`,
  );

  console.log(bold('2. Second call from the same number, on a mobile line'));
  const [second, secondMs] = await timed(() =>
    sticky.calls.start({
      call_id: 'CA-quickstart-2',
      identity_hints: { ani: CALLER },
      telco: { line_type: 'mobile' },
    }),
  );
  console.log(
    `  calls.start   ${secondMs} ms → customer_ref ${second.customer_ref} (${second.customer_ref === first.customer_ref ? 'same customer' : 'a different customer'})`,
  );
  const attributes = toTaskAttributes(second);
  showAgentView(readCallerContext(attributes));
  showAttributes(attributes);

  console.log(bold('\n3. The API is down (503 on every attempt)'));
  server.emulator.inject({ type: 'status', status: 503, times: 10 });
  const [outcome, outageMs] = await timed(() =>
    sticky.calls
      .start({ call_id: 'CA-quickstart-3', identity_hints: { ani: CALLER } })
      .then(toTaskAttributes, degradedTaskAttributes),
  );
  console.log(
    `  calls.start   ${outageMs} ms → ${outcome[ATTRIBUTE_KEY].status} (${outcome[ATTRIBUTE_KEY].reason})`,
  );
  showAgentView(readCallerContext(outcome));
  console.log(dim('  The call still reaches an agent; the attributes keep the same keys.'));
} finally {
  await server.close();
}

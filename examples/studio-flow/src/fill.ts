/**
 * Fills the example flow with your ids, checks it, and writes it for Studio.
 *
 *   pnpm --filter @stickycalls/example-studio-flow fill -- --workflow WW… --channel TC… \
 *     --service ZS… --environment ZE… --function ZH… --domain sticky-calls-1234-dev.twil.io
 *
 * Exits 1 with the problems listed when an id is malformed or the check fails; then
 * nothing is written.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ATTRIBUTES_TEMPLATE_LIMIT,
  FLOW_PATH,
  type FlowIds,
  fillFlow,
  InvalidIdError,
  inspectFlow,
  loadFlow,
} from './flow.js';

const FLAGS = {
  workflow: 'workflowSid',
  channel: 'taskChannel',
  service: 'serviceSid',
  environment: 'environmentSid',
  function: 'functionSid',
  domain: 'serviceDomain',
} as const satisfies Record<string, keyof FlowIds>;

type Flag = keyof typeof FLAGS;

const HELP = `Fill the Sticky Calls Studio flow with your ids, check it, and write it for import.

Usage:
  pnpm --filter @stickycalls/example-studio-flow fill -- \\
    --workflow WW… --channel TC… --service ZS… --environment ZE… --function ZH… \\
    --domain sticky-calls-1234-dev.twil.io [--out flow.filled.json] [--flow flow.json]

Ids (each sid is its prefix followed by 32 hex digits):
  --workflow      the TaskRouter workflow that routes calls (WW…), e.g. "Assign to Anyone"
  --channel       the voice task channel's sid (TC…)
  --service       the Functions service that holds /caller-context (ZS…)
  --environment   the environment it is deployed to (ZE…)
  --function      the /caller-context Function (ZH…)
  --domain        the environment's domain, a host name without https://

Options:
  --out PATH      where to write the filled flow (default: flow.filled.json, relative to
                  the current folder; pnpm --filter runs in examples/studio-flow)
  --flow PATH     the flow to fill (default: the example's flow.json)
  -h, --help      this text

Find the ids with the Twilio CLI:
  twilio api:taskrouter:v1:workspaces:list
  twilio api:taskrouter:v1:workspaces:workflows:list --workspace-sid WS…
  twilio api:taskrouter:v1:workspaces:task-channels:list --workspace-sid WS…
  twilio api:serverless:v1:services:list
  twilio api:serverless:v1:services:environments:list --service-sid ZS…
  twilio api:serverless:v1:services:functions:list --service-sid ZS…

Checks the filled flow (see checkFlow), prints a summary and writes the file; exits 1
with the problems listed, writing nothing, when an id is malformed or a check fails.`;

function main(argv: string[]): number {
  let values: Partial<Record<Flag | 'out' | 'flow', string>> & { help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv[0] === '--' ? argv.slice(1) : argv,
      options: {
        workflow: { type: 'string' },
        channel: { type: 'string' },
        service: { type: 'string' },
        environment: { type: 'string' },
        function: { type: 'string' },
        domain: { type: 'string' },
        out: { type: 'string' },
        flow: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\nRun with --help for the usage.`);
    return 1;
  }
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }

  const missing = (Object.keys(FLAGS) as Flag[]).filter((flag) => values[flag] === undefined);
  if (missing.length > 0) {
    console.error(
      `Missing ${missing.map((flag) => `--${flag}`).join(', ')}.\nRun with --help for the usage.`,
    );
    return 1;
  }
  const ids = Object.fromEntries(
    (Object.entries(FLAGS) as [Flag, keyof FlowIds][]).map(([flag, id]) => [id, values[flag] ?? '']),
  ) as Record<keyof FlowIds, string>;

  let filled: ReturnType<typeof fillFlow>;
  const source = values.flow === undefined ? FLOW_PATH : resolve(values.flow);
  try {
    filled = fillFlow(loadFlow(source), ids);
  } catch (error) {
    if (error instanceof InvalidIdError) {
      const flag = (Object.keys(FLAGS) as Flag[]).find((name) => FLAGS[name] === error.id);
      console.error(`--${flag ?? error.id}: ${error.message}`);
    } else console.error((error as Error).message);
    return 1;
  }

  const report = inspectFlow(filled, { filled: true });
  console.log('States:');
  for (const state of report.states) {
    console.log(
      `  ${state.name} (${state.type})${state.next.length > 0 ? `: ${state.next.join(', ')}` : ''}`,
    );
  }
  console.log('Send to Flex attributes templates:');
  for (const template of report.templates) {
    console.log(
      `  ${template.state} (${template.branch}): ${template.length} of ${ATTRIBUTES_TEMPLATE_LIMIT} characters`,
    );
  }
  if (report.worstCase !== undefined) {
    console.log(
      `Largest task attributes (the writer's largest context, Flex's voice keys included): ${report.worstCase} of ${report.limit} characters, ${report.limit - report.worstCase} left for Flex (conference, transfers) and the wrap-up`,
    );
  }
  if (report.problems.length > 0) {
    console.error(`\nThe filled flow has ${report.problems.length} problem(s); nothing was written:`);
    for (const problem of report.problems) console.error(`  - ${problem}`);
    return 1;
  }

  const out = resolve(values.out ?? 'flow.filled.json');
  writeFileSync(out, `${JSON.stringify(filled, null, 2)}\n`);
  console.log(`\nWrote ${out}. Import it in the Console (Studio → Create new flow → Import from JSON), or:`);
  console.log(
    `  twilio api:studio:v2:flows:create --friendly-name "Sticky Calls" --status published --definition "$(cat ${out})"`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));

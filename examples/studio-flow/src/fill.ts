/**
 * Fills the example flow with your ids, checks it, and writes it for Studio.
 *
 *   npm run fill-flow -- --workflow WW… --channel TC… --service ZS… --environment ZE… \
 *     --function ZH… --domain sticky-calls-1234-dev.twil.io      (from the repository's root)
 *   npm run fill-flow -- --variant http --workflow WW… --channel TC… \
 *     --url https://hooks.example.com/caller-context           (a handler outside Twilio)
 *
 * Exits 1 with every problem listed at once (malformed, missing or unknown options, then
 * the checks of the filled flow); then nothing is written.
 */
import { statSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ATTRIBUTES_TEMPLATE_LIMIT,
  CONTEXT_URL_FORMAT,
  FLOW_PATH,
  type FlowDefinition,
  type FlowIds,
  fillFlow,
  fillHttpFlow,
  HTTP_FLOW_PATH,
  type HttpFlowIds,
  ID_FORMATS,
  InvalidIdError,
  inspectFlow,
  loadFlow,
  validateHttpIds,
  validateIds,
} from './flow.js';
import { readOptions } from './options.js';

const FLAGS = {
  workflow: 'workflowSid',
  channel: 'taskChannel',
  service: 'serviceSid',
  environment: 'environmentSid',
  function: 'functionSid',
  domain: 'serviceDomain',
} as const satisfies Record<string, keyof FlowIds>;

/** The HTTP Request variant's ids, for a handler outside Twilio. */
const HTTP_FLAGS = {
  workflow: 'workflowSid',
  channel: 'taskChannel',
  url: 'contextUrl',
} as const satisfies Record<string, keyof HttpFlowIds>;

type Flag = keyof typeof FLAGS | keyof typeof HTTP_FLAGS;
type Option = Flag | 'out' | 'flow' | 'variant';

const OPTIONS: Readonly<Record<Option, string>> = {
  ...(Object.fromEntries(Object.entries(FLAGS).map(([flag, id]) => [flag, ID_FORMATS[id]])) as Record<
    Flag,
    string
  >),
  url: CONTEXT_URL_FORMAT,
  out: 'where to write the filled flow, a file path',
  flow: 'the flow to fill, a file path',
  variant: 'function (Run Function, the default) or http (HTTP Request, for a handler outside Twilio)',
};

const HELP = `Fill the Sticky Calls Studio flow with your ids, check it, and write it for import.

Usage, from the repository's root:
  npm run fill-flow -- \\
    --workflow WW… --channel TC… --service ZS… --environment ZE… --function ZH… \\
    --domain sticky-calls-1234-dev.twil.io [--out flow.filled.json] [--flow flow.json]

Ids (each sid is its prefix followed by 32 hex digits):
  --workflow      the TaskRouter workflow that routes calls (WW…), e.g. "Assign to Anyone"
  --channel       the voice task channel's sid (TC…)
  --service       the Functions service that holds /caller-context (ZS…)
  --environment   the environment it is deployed to (ZE…)
  --function      the /caller-context Function (ZH…)
  --domain        the environment's domain, a host name without https://

A handler outside Twilio (@stickycalls/fetch-adapter on Node, AWS Lambda, Workers):
  --variant http  fill flow-http.json (the HTTP Request widget) instead
  --url URL       the handler's public https URL, as its publicUrl says, no query string;
                  with --workflow and --channel (no --service, --environment, --function
                  or --domain)

Options:
  --out PATH      where to write the filled flow (default: examples/studio-flow/
                  flow.filled.json, which git ignores)
  --flow PATH     the flow to fill (default: the example's flow.json)
                  A relative PATH starts from the folder you typed the command in.
  -h, --help      this text

Find the ids with the Twilio CLI:
  twilio api:taskrouter:v1:workspaces:list
  twilio api:taskrouter:v1:workspaces:workflows:list --workspace-sid WS…
  twilio api:taskrouter:v1:workspaces:task-channels:list --workspace-sid WS…
  twilio api:serverless:v1:services:list
  twilio api:serverless:v1:services:environments:list --service-sid ZS…
  twilio api:serverless:v1:services:functions:list --service-sid ZS…

Every problem with the options is listed at once. Then the filled flow is checked (see
checkFlow), a summary printed and the file written; on any problem, nothing is written
and the exit code is 1.`;

interface Parsed {
  values: Partial<Record<Option, string>>;
  help: boolean;
  /** What is wrong with the arguments themselves, in the order given. */
  problems: string[];
}

/** The ids and paths given; unknown options, repeats and missing values are problems. */
function parseArguments(argv: readonly string[]): Parsed {
  const values: Parsed['values'] = {};
  const needsValue = new Set<Option>();
  const { help, problems } = readOptions(argv, (name, value) => {
    if (!Object.hasOwn(OPTIONS, name)) {
      const near = closest(name, Object.keys(OPTIONS));
      return `--${name}: unknown option${near === undefined ? '' : `; did you mean --${near}?`}`;
    }
    const option = name as Option;
    if (value === undefined || value === '') needsValue.add(option);
    else if (values[option] !== undefined && values[option] !== value)
      return `--${option}: given twice, as ${values[option]} and ${value}: give it once`;
    else values[option] = value;
    return undefined;
  });
  for (const option of needsValue) {
    if (values[option] === undefined) problems.push(`--${option}: needs a value: ${OPTIONS[option]}`);
  }
  return { values, help, problems };
}

/** The candidate at most two edits from `name` (a typo), if there is one. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Next to the example's flow.json, where its .gitignore keeps it out of git. */
const DEFAULT_OUT = fileURLToPath(new URL('../flow.filled.json', import.meta.url));

/**
 * A path the admin typed, from the folder they typed it in: npm puts that folder in
 * INIT_CWD, while pnpm runs this script in examples/studio-flow.
 */
function fromTypedFolder(path: string): string {
  const typedIn = process.env.INIT_CWD;
  let base = process.cwd();
  try {
    if (typedIn !== undefined && isAbsolute(typedIn) && statSync(typedIn).isDirectory()) base = typedIn;
  } catch {
    // INIT_CWD names no folder: the current one it is.
  }
  return resolve(base, path);
}

/** Why a flow file could not be read, without a stack. */
function describeLoadError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path} does not exist: give the path of a flow exported from Studio`;
  if (code === 'EISDIR') return `${path} is a folder: give the path of a flow file`;
  return (error as Error).message;
}

function main(argv: string[]): number {
  const { values, help, problems } = parseArguments(argv);
  if (help) {
    console.log(HELP);
    return 0;
  }

  const variant = values.variant ?? 'function';
  if (variant !== 'function' && variant !== 'http') {
    problems.push(`--variant: must be function or http, got ${JSON.stringify(variant)}`);
  }
  const http = variant === 'http';
  const idFlags: Readonly<Record<string, string>> = http ? HTTP_FLAGS : FLAGS;
  // Flags of the other variant are mistakes, named as such.
  for (const flag of Object.keys(http ? FLAGS : HTTP_FLAGS) as Flag[]) {
    if (values[flag] !== undefined && !Object.hasOwn(idFlags, flag)) {
      problems.push(
        `--${flag}: not used by the ${http ? 'http' : 'function'} variant${http ? '' : '; for a handler outside Twilio, add --variant http'}`,
      );
    }
  }

  // The ids, each flag checked in order: missing, or malformed (as fillFlow checks it).
  const flags = Object.keys(idFlags) as Flag[];
  const given = flags.filter((flag) => values[flag] !== undefined);
  const ids = Object.fromEntries(flags.map((flag) => [idFlags[flag], values[flag]]));
  const byFlag = new Map<Flag, string>();
  try {
    if (http) validateHttpIds(ids as unknown as HttpFlowIds);
    else validateIds(ids as unknown as FlowIds);
  } catch (error) {
    if (!(error instanceof InvalidIdError)) throw error;
    for (const problem of error.problems) {
      const flag = flags.find((name) => idFlags[name] === problem.id);
      if (flag !== undefined && given.includes(flag)) byFlag.set(flag, `--${flag}: ${problem.message}`);
    }
  }
  for (const flag of flags) {
    if (values[flag] === undefined) {
      if (!problems.some((problem) => problem.startsWith(`--${flag}: needs a value`)))
        problems.push(`--${flag} is missing: ${OPTIONS[flag]}`);
    } else {
      const problem = byFlag.get(flag);
      if (problem !== undefined) problems.push(problem);
    }
  }

  let flow: FlowDefinition | undefined;
  const source =
    values.flow === undefined ? (http ? HTTP_FLOW_PATH : FLOW_PATH) : fromTypedFolder(values.flow);
  try {
    flow = loadFlow(source);
  } catch (error) {
    problems.push(
      `--flow: ${describeLoadError(error, String(values.flow ?? (http ? 'flow-http.json' : 'flow.json')))}`,
    );
  }

  if (problems.length > 0 || flow === undefined) {
    console.error(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} with the arguments; nothing was written:`,
    );
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error('Run with --help for the usage.');
    return 1;
  }

  let filled: FlowDefinition;
  try {
    filled = http
      ? fillHttpFlow(flow, ids as unknown as HttpFlowIds)
      : fillFlow(flow, ids as unknown as FlowIds);
  } catch (error) {
    console.error(`${(error as Error).message}\nNothing was written.`);
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

  const out = values.out === undefined ? DEFAULT_OUT : fromTypedFolder(values.out);
  writeFileSync(out, `${JSON.stringify(filled, null, 2)}\n`);
  console.log(`\nWrote ${out}. Import it in the Console (Studio → Create new flow → Import from JSON), or:`);
  console.log(
    `  twilio api:studio:v2:flows:create --friendly-name "Sticky Calls" --status published --definition "$(cat ${out})"`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));

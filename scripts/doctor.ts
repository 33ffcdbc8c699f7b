/**
 * Checks what an admin can check before deploying, offline: the Node version, a
 * Functions service (its folder and `.env`, or its domain), a Flex plugin folder (React
 * and Flex versions, the build tooling, the save URL it would be built with) and a
 * filled Studio flow (the attribute templates against Studio's and TaskRouter's limits).
 *
 *   npm run doctor -- [--service <domain-or-folder>] [--plugin <folder>] [--flow <flow.filled.json>]
 *
 * Each check prints `ok` or `problem` with what to fix; the exit code is 1 when any
 * check found a problem. Secrets (the API key, the auth token) are never printed: only
 * whether they are there and, for the API key, its kind.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ATTRIBUTES_TEMPLATE_LIMIT, inspectFlow, loadFlow } from '../examples/studio-flow/src/flow.js';
import { readOptions } from '../examples/studio-flow/src/options.js';

/** What one check found. */
export interface Check {
  ok: boolean;
  /** What was checked and what was found; for a problem, also what to do. */
  message: string;
}

/** A group of checks under a heading (`Node`, `Service (…)`, …). */
export interface Section {
  title: string;
  checks: Check[];
}

/** What {@link runDoctor} needs from the machine; tests pass their own. */
export interface DoctorEnvironment {
  /** The admin's environment variables (`TWILIO_PROFILE`, `FLEX_APP_SAVE_CONTEXT_URL`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths start: the folder the admin ran `npm run doctor` in. */
  cwd: string;
  /** `process.versions.node`. */
  nodeVersion: string;
}

export interface DoctorResult {
  exitCode: number;
  /** The report, one line each. */
  lines: string[];
}

const USAGE = `Checks a Sticky Calls setup before you deploy it, offline.

Usage:
  npm run doctor -- [--service <domain-or-folder>] [--plugin <folder>] [--flow <flow.filled.json>]

  --service   your Functions service: its folder (the copy of examples/twilio-serverless you
              deploy, with its .env) or its domain (such as sticky-calls-1234-dev.twil.io)
  --plugin    your Flex plugin's folder (with its package.json and .env)
  --flow      the Studio flow you import (flow.filled.json from npm run fill-flow)
  -h, --help  this text

Every check prints ok or problem, with what to fix; the exit code is 1 on any problem.
Secrets (the API key, the auth token) are never printed.`;

/** The Functions the service folder must hold, and the visibility each must have. */
const FUNCTIONS = [
  { path: '/caller-context', file: 'caller-context.protected.js', visibility: 'protected', required: true },
  { path: '/save-context', file: 'save-context.js', visibility: 'public', required: true },
  { path: '/wrapup-event', file: 'wrapup-event.protected.js', visibility: 'protected', required: false },
] as const;

const FLEX_REACT = '17.0.2';
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`, 'i');

const ok = (message: string): Check => ({ ok: true, message });
const problem = (message: string): Check => ({ ok: false, message });

/** Runs every check the arguments ask for and returns the report. */
export function runDoctor(argv: readonly string[], machine: DoctorEnvironment): DoctorResult {
  const parsed = parseArguments(argv);
  if (parsed.help) return { exitCode: 0, lines: USAGE.split('\n') };

  const sections: Section[] = [];
  if (parsed.problems.length > 0) sections.push({ title: 'Arguments', checks: parsed.problems.map(problem) });
  sections.push({ title: 'Node', checks: checkNode(machine.nodeVersion, parsed.plugin !== undefined) });

  let domain: string | undefined;
  if (parsed.service !== undefined) {
    const folder = resolve(machine.cwd, parsed.service);
    if (isFolder(folder))
      sections.push({ title: `Service folder ${folder}`, checks: checkServiceFolder(folder) });
    else {
      const checked = checkDomain(parsed.service);
      domain = checked.domain;
      sections.push({ title: `Service domain ${parsed.service}`, checks: checked.checks });
    }
  }
  if (parsed.plugin !== undefined) {
    const folder = resolve(machine.cwd, parsed.plugin);
    sections.push({ title: `Flex plugin ${folder}`, checks: checkPlugin(folder, machine.env, domain) });
  }
  if (parsed.flow !== undefined) {
    const file = resolve(machine.cwd, parsed.flow);
    sections.push({ title: `Studio flow ${file}`, checks: checkFlowFile(file, domain) });
  }
  if (parsed.service === undefined && parsed.plugin === undefined && parsed.flow === undefined) {
    sections.push({
      title: 'Nothing else to check',
      checks: [ok('give --service, --plugin or --flow to check them too (--help for the usage)')],
    });
  }

  const lines = ['Sticky Calls doctor', ''];
  let problems = 0;
  for (const section of sections) {
    lines.push(section.title);
    for (const check of section.checks) {
      if (!check.ok) problems += 1;
      lines.push(`  ${check.ok ? 'ok     ' : 'problem'}  ${check.message}`);
    }
    lines.push('');
  }
  lines.push(
    problems === 0
      ? 'No problem found.'
      : `${problems} problem${problems === 1 ? '' : 's'} found: fix ${problems === 1 ? 'it' : 'them'} and run the doctor again.`,
  );
  return { exitCode: problems === 0 ? 0 : 1, lines };
}

// ---------------------------------------------------------------------------
// Arguments

interface Parsed {
  service?: string;
  plugin?: string;
  flow?: string;
  help: boolean;
  problems: string[];
}

/** `--service`, `--plugin` and `--flow`; every unknown option or stray value is reported, not only the first. */
function parseArguments(argv: readonly string[]): Parsed {
  const paths: Pick<Parsed, 'service' | 'plugin' | 'flow'> = {};
  const { help, problems } = readOptions(argv, (name, value) => {
    if (name !== 'service' && name !== 'plugin' && name !== 'flow')
      return `--${name}: unknown option; the options are --service, --plugin and --flow`;
    if (value === undefined || value === '') return `--${name}: needs a value (--help for the usage)`;
    paths[name] = value;
    return undefined;
  });
  return { ...paths, help, problems };
}

// ---------------------------------------------------------------------------
// Node

function checkNode(version: string, plugin: boolean): Check[] {
  const major = Number(version.split('.')[0]);
  if (!Number.isInteger(major) || major < 20) {
    return [
      problem(
        `Node ${version}: this repository's commands need Node 20 or newer, and Twilio Functions run on Node 22: install Node 22 LTS (or 20)`,
      ),
    ];
  }
  const checks = [
    ok(
      `Node ${version}: enough for this repository's commands; deployed Functions run on Twilio's node22 runtime${major === 22 ? ', the same major' : ' (run the service locally on Node 22 to match it)'}`,
    ),
  ];
  if (plugin && major !== 20 && major !== 22) {
    checks.push(
      problem(
        `Node ${version} for the Flex plugin build: flex-plugin-scripts 7 (webpack 4) is known to build on Node 20 and 22 LTS; build the plugin with one of them`,
      ),
    );
  }
  return checks;
}

// ---------------------------------------------------------------------------
// Service

function checkServiceFolder(folder: string): Check[] {
  const checks: Check[] = [];
  const pkg = readPackage(folder, checks);
  if (pkg !== undefined) {
    const handler = pkg.dependencies?.['@twilio/runtime-handler'];
    if (handler === undefined) {
      checks.push(
        problem(
          'package.json: @twilio/runtime-handler is not a dependency: add it pinned to one version ("@twilio/runtime-handler": "2.1.0"), or the save Function gets no request headers',
        ),
      );
    } else if (!/^\d+\.\d+\.\d+$/.test(handler)) {
      checks.push(
        problem(
          `package.json: @twilio/runtime-handler is "${handler}": pin it to one exact version (such as "2.1.0"); Twilio gives Functions the request headers only then`,
        ),
      );
    } else checks.push(ok(`@twilio/runtime-handler pinned to ${handler}`));
  }

  const functions = join(folder, 'functions');
  for (const fn of FUNCTIONS) {
    if (existsSync(join(functions, fn.file))) {
      checks.push(ok(`${fn.path}: functions/${fn.file} (${fn.visibility})`));
      continue;
    }
    const other =
      fn.visibility === 'public'
        ? fn.file.replace(/\.js$/, '.protected.js')
        : fn.file.replace('.protected', '');
    if (existsSync(join(functions, other))) {
      checks.push(
        problem(
          `${fn.path}: functions/${other} has the wrong visibility: rename it functions/${fn.file} (${fn.visibility === 'public' ? 'the agent’s browser calls it; it checks the Flex token itself' : 'only Twilio may call it'})`,
        ),
      );
    } else if (fn.required) {
      checks.push(
        problem(`${fn.path}: functions/${fn.file} is missing: copy it from examples/twilio-serverless`),
      );
    } else {
      checks.push(ok(`${fn.path}: not deployed (the optional safety net; see examples/twilio-serverless)`));
    }
  }

  const envFile = join(folder, '.env');
  if (!existsSync(envFile)) {
    checks.push(problem(`.env is missing: copy .env.example to .env in ${folder} and fill it in`));
    return checks;
  }
  const env = readEnvFile(envFile);
  checks.push(checkApiKey(env.STICKY_CALLS_API_KEY));
  const baseUrl = env.STICKY_CALLS_BASE_URL;
  if (baseUrl !== undefined && baseUrl !== '') {
    const urlProblem = httpsUrlProblem(baseUrl);
    checks.push(
      urlProblem === undefined
        ? ok(`STICKY_CALLS_BASE_URL is ${baseUrl}`)
        : problem(`STICKY_CALLS_BASE_URL ${urlProblem}; leave it empty for https://api.stickycalls.com`),
    );
  }
  checks.push(
    checkSid(
      env,
      'TWILIO_WORKSPACE_SID',
      'WS',
      'your Flex workspace (Console: TaskRouter > Workspaces, "Flex Task Assignment")',
    ),
  );
  checks.push(checkSid(env, 'ACCOUNT_SID', 'AC', 'your account (Console: Account Info)'));
  const token = env.AUTH_TOKEN;
  if (token === undefined || token.trim() === '') {
    checks.push(
      problem('AUTH_TOKEN is empty: put your account’s auth token in .env (Console: Account Info)'),
    );
  } else if (!/^[0-9a-f]{32}$/i.test(token)) {
    checks.push(
      problem(
        'AUTH_TOKEN is set but is not 32 hex characters, the shape of an auth token: copy it again from Console > Account Info',
      ),
    );
  } else checks.push(ok('AUTH_TOKEN is set (not shown)'));
  return checks;
}

/** The API key's kind, never the key: core accepts any non-empty key, so only clear mistakes are problems. */
function checkApiKey(key: string | undefined): Check {
  if (key === undefined || key.trim() === '') {
    return problem(
      'STICKY_CALLS_API_KEY is empty: put your Sticky Calls API key in .env (sk_test_… or sk_prod_…); without it every call shows "context unavailable"',
    );
  }
  if (key !== key.trim() || /\s/.test(key)) {
    return problem(
      'STICKY_CALLS_API_KEY has spaces in it (not shown): paste the key again, alone on its line',
    );
  }
  if (key === 'sk_test_emulator') {
    return problem(
      'STICKY_CALLS_API_KEY is the local emulator’s key (the one the demo uses): the real API refuses it; use your own key',
    );
  }
  if (/^SK[0-9a-f]{32}$/i.test(key)) {
    return problem(
      'STICKY_CALLS_API_KEY looks like a Twilio API key sid (SK…), not a Sticky Calls key: use the key from your Sticky Calls account',
    );
  }
  const kind = /^sk_(test|prod|live)_/.exec(key)?.[1];
  const described =
    kind === 'test'
      ? 'a test key (sk_test_…)'
      : kind === 'prod'
        ? 'a production key (sk_prod_…)'
        : kind === 'live'
          ? 'a live key (sk_live_…)'
          : 'a key of an unfamiliar kind (Sticky Calls keys usually start sk_test_ or sk_prod_)';
  return ok(`STICKY_CALLS_API_KEY is set: ${described}, not shown`);
}

function checkSid(env: Record<string, string>, name: string, prefix: string, what: string): Check {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    return problem(`${name} is empty: put ${what} in .env (${prefix}…)`);
  if (!SID(prefix).test(value)) {
    return problem(
      `${name} must be ${prefix} followed by 32 hex digits (${what}), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return ok(`${name} is ${value}`);
}

function checkDomain(given: string): { checks: Check[]; domain: string | undefined } {
  const scheme = given.indexOf('://');
  if (scheme >= 0) {
    const host = given.slice(scheme + 3).split('/')[0] ?? '';
    return {
      checks: [
        problem(
          `give the domain alone, without ${given.slice(0, scheme + 3)}${host === '' ? '' : ` (--service ${host})`}; or give the service's folder`,
        ),
      ],
      domain: undefined,
    };
  }
  if (given.includes('/') || given.includes('\\')) {
    return {
      checks: [problem(`${given}: no such folder; give the service's folder, or its domain alone`)],
      domain: undefined,
    };
  }
  const host = given.toLowerCase();
  if (!HOST.test(host)) {
    return {
      checks: [
        problem(
          `${given} is neither a folder nor a host name: give a domain such as sticky-calls-1234-dev.twil.io`,
        ),
      ],
      domain: undefined,
    };
  }
  if (!host.endsWith('.twil.io')) {
    return {
      checks: [
        problem(
          `${host} is not a Twilio Functions domain (they end with .twil.io; the deploy prints it, such as sticky-calls-1234-dev.twil.io)`,
        ),
      ],
      domain: undefined,
    };
  }
  return {
    checks: [
      ok(`${host} is a Twilio Functions domain`),
      ok(`the plugin's FLEX_APP_SAVE_CONTEXT_URL: https://${host}/save-context`),
      ok(
        `the Studio flow's Run Function URL: https://${host}/caller-context (npm run fill-flow -- --domain ${host} …)`,
      ),
      ok(`the safety net (optional): https://${host}/wrapup-event`),
    ],
    domain: host,
  };
}

// ---------------------------------------------------------------------------
// Plugin

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function checkPlugin(
  folder: string,
  environment: DoctorEnvironment['env'],
  domain: string | undefined,
): Check[] {
  const checks: Check[] = [];
  if (!isFolder(folder)) return [problem(`${folder} is not a folder: give your Flex plugin's folder`)];
  const pkg = readPackage(folder, checks);
  if (pkg !== undefined) {
    const declared = { ...pkg.peerDependencies, ...pkg.devDependencies, ...pkg.dependencies };
    for (const name of ['react', 'react-dom']) checks.push(checkReact(folder, name, declared[name]));
    const flexUi = declared['@twilio/flex-ui'];
    if (flexUi !== undefined) {
      const installed = installedVersion(folder, '@twilio/flex-ui');
      const major = majorOf(installed ?? flexUi);
      checks.push(
        major === 2
          ? ok(`@twilio/flex-ui ${installed ?? flexUi}: Flex UI 2.x`)
          : problem(
              `@twilio/flex-ui ${installed ?? flexUi}: Sticky Calls needs Flex UI 2.x (2.17.1 is current); set "@twilio/flex-ui": "2.17.1" in devDependencies`,
            ),
      );
    }
    const scripts = declared['@twilio/flex-plugin-scripts'];
    checks.push(
      scripts === undefined
        ? problem(
            'package.json: @twilio/flex-plugin-scripts is missing: the Flex Plugins CLI (twilio flex:plugins:build/deploy) builds with it; add "@twilio/flex-plugin-scripts": "7.1.2" to devDependencies',
          )
        : ok(`@twilio/flex-plugin-scripts ${scripts}`),
    );
  }
  checks.push(checkSaveUrl(folder, environment, domain));
  return checks;
}

function checkReact(folder: string, name: string, declared: string | undefined): Check {
  if (declared === undefined) {
    return problem(
      `package.json: ${name} is not a dependency: add "${name}": "${FLEX_REACT}" (Flex supplies it at runtime; the build needs the same version)`,
    );
  }
  const installed = installedVersion(folder, name);
  if (majorOf(declared) !== 17) {
    return problem(
      `package.json: ${name} "${declared}": Flex 2.x runs plugins with its own React ${FLEX_REACT}; set "${name}": "${FLEX_REACT}" and npm install`,
    );
  }
  if (installed !== undefined && majorOf(installed) !== 17) {
    return problem(`node_modules holds ${name} ${installed}, not 17: run npm install again`);
  }
  return ok(
    `${name} ${installed ?? declared}${installed === undefined ? ' (declared; not installed yet)' : ''}: Flex's React 17`,
  );
}

/** `FLEX_APP_SAVE_CONTEXT_URL` as the plugin build reads it: `.<profile>.env`, then `.env`, then the environment. */
function checkSaveUrl(
  folder: string,
  environment: DoctorEnvironment['env'],
  domain: string | undefined,
): Check {
  const name = 'FLEX_APP_SAVE_CONTEXT_URL';
  const profile = environment.TWILIO_PROFILE;
  const sources: { where: string; value: string | undefined }[] = [];
  if (profile !== undefined && profile !== '') {
    const file = join(folder, `.${profile}.env`);
    if (existsSync(file)) sources.push({ where: `.${profile}.env`, value: readEnvFile(file)[name] });
  }
  const envFile = join(folder, '.env');
  sources.push(
    existsSync(envFile)
      ? { where: '.env', value: readEnvFile(envFile)[name] }
      : { where: '.env (no such file)', value: undefined },
  );
  sources.push({ where: 'the environment', value: environment[name] });
  const found = sources.find((source) => source.value !== undefined && source.value.trim() !== '');
  if (found === undefined) {
    return problem(
      `${name} is not set (in ${sources.map((source) => source.where).join(', ')}): the plugin would build without the wrap-up form; set it in .env, such as ${name}=https://sticky-calls-1234-dev.twil.io/save-context`,
    );
  }
  const value = (found.value ?? '').trim();
  const urlProblem = saveUrlProblem(value);
  if (urlProblem !== undefined) return problem(`${name} (from ${found.where}) ${urlProblem}`);
  const host = new URL(value).host;
  if (domain !== undefined && host !== domain) {
    return problem(
      `${name} (from ${found.where}) points at ${host}, not the service's domain ${domain}: set it to https://${domain}/save-context`,
    );
  }
  return ok(`${name} (from ${found.where}) is ${value}`);
}

/** What is wrong with a save-context URL, or `undefined`. */
function saveUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL (${JSON.stringify(value.slice(0, 80))}): give https://<your service's domain>/save-context`;
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol === 'http:' && !local) {
    return `is http:// (${url.host}): use https://, the agent's Flex token is sent to it; http:// is only for localhost while you develop`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `must start with https://, got ${url.protocol}//`;
  if (url.hostname === '') return 'has no host: give https://<your service’s domain>/save-context';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  if (!url.pathname.endsWith('/save-context')) {
    return `must end with /save-context (the save Function's path), got ${url.pathname}: such as https://${url.host}/save-context`;
  }
  return undefined;
}

function httpsUrlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)))
      return undefined;
    return `must be an https:// URL, got ${url.protocol}//${url.host}`;
  } catch {
    return 'is not a URL';
  }
}

// ---------------------------------------------------------------------------
// Flow

function checkFlowFile(file: string, domain: string | undefined): Check[] {
  if (!existsSync(file)) {
    return [problem(`${file} does not exist: make it with npm run fill-flow (it writes flow.filled.json)`)];
  }
  let flow: ReturnType<typeof loadFlow>;
  try {
    flow = loadFlow(file);
  } catch (error) {
    return [problem(`${(error as Error).message}: give the flow npm run fill-flow wrote`)];
  }
  // The writer's default budgets: the ones examples/twilio-serverless deploys with.
  const report = inspectFlow(flow, { filled: true });
  const checks: Check[] = report.problems.map((message) =>
    problem(`${message} (npm run fill-flow checks and fills the flow; start again from it)`),
  );
  for (const template of report.templates) {
    if (template.length <= ATTRIBUTES_TEMPLATE_LIMIT)
      checks.push(
        ok(
          `${template.state} (${template.branch}): attributes template ${template.length} of ${ATTRIBUTES_TEMPLATE_LIMIT} characters (Studio's limit)`,
        ),
      );
  }
  if (report.worstCase !== undefined && report.worstCase <= report.limit) {
    checks.push(
      ok(
        `the largest task attributes a call can get (the writer's largest context, its default budgets): ${report.worstCase} of ${report.limit} characters (TaskRouter's limit), ${report.limit - report.worstCase} left for Flex and the wrap-up`,
      ),
    );
  }
  if (domain !== undefined) {
    const url = flow.states.find((state) => state.type === 'run-function')?.properties.url;
    let host: string | undefined;
    try {
      host = typeof url === 'string' ? new URL(url).host : undefined;
    } catch {
      host = undefined; // reported by the flow's own checks
    }
    if (host !== undefined && host !== domain) {
      checks.push(
        problem(
          `the Run Function calls ${host}, not the service's domain ${domain}: fill the flow again with --domain ${domain}`,
        ),
      );
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------
// Files

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readPackage(folder: string, checks: Check[]): PackageJson | undefined {
  const file = join(folder, 'package.json');
  if (!existsSync(file)) {
    checks.push(problem(`${folder} has no package.json: give the folder that holds it`));
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value as PackageJson;
  } catch (error) {
    checks.push(problem(`package.json is not valid JSON (${(error as Error).message}): fix it`));
    return undefined;
  }
}

function installedVersion(folder: string, name: string): string | undefined {
  try {
    const value: unknown = JSON.parse(
      readFileSync(join(folder, 'node_modules', name, 'package.json'), 'utf8'),
    );
    const version = (value as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The major version a version or a simple range (`17.0.2`, `^17.0.2`, `~17.0`, `>=17 <18`) starts with. */
function majorOf(spec: string): number | undefined {
  const match = /^\s*(?:[\^~]|>=?|=)?\s*v?(\d+)/.exec(spec);
  return match === null ? undefined : Number(match[1]);
}

/**
 * A `.env` file as the Flex plugin build and twilio-run read it: `KEY=value` lines,
 * `#` comments, optional `export `, values optionally in quotes.
 */
function readEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    const [, key = '', rest = ''] = match;
    const quoted = /^(['"`])(.*)\1$/.exec(rest);
    values[key] = quoted !== null ? (quoted[2] ?? '') : rest.replace(/\s+#.*$/, '');
  }
  return values;
}

// ---------------------------------------------------------------------------

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // npm sets INIT_CWD to the folder `npm run doctor` was typed in; pnpm runs the script at the root.
  const initCwd = process.env.INIT_CWD;
  const cwd = initCwd !== undefined && isAbsolute(initCwd) && isFolder(initCwd) ? initCwd : process.cwd();
  const result = runDoctor(process.argv.slice(2), {
    env: process.env,
    cwd,
    nodeVersion: process.versions.node,
  });
  for (const line of result.lines) console.log(line);
  process.exitCode = result.exitCode;
}

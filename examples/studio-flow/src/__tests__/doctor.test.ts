/**
 * `npm run doctor` (scripts/doctor.ts): a good setup passes; each kind of mistake an
 * admin makes is named with what to fix; the API key and the auth token never appear.
 * It lives in this project because it checks this example's flow with its checkFlow.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type DoctorResult, runDoctor } from '../../../../scripts/doctor.js';
import { type FlowIds, fillFlow, loadFlow } from '../flow.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const API_KEY = 'sk_prod_4f9a2c7e1b8d6a3f0e5c9b2a';
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const DOMAIN = 'sticky-calls-1234-dev.twil.io';
const SAVE_URL = `https://${DOMAIN}/save-context`;
const IDS: FlowIds = {
  workflowSid: `WW${'1a'.repeat(16)}`,
  taskChannel: `TC${'2b'.repeat(16)}`,
  serviceSid: `ZS${'3c'.repeat(16)}`,
  environmentSid: `ZE${'4d'.repeat(16)}`,
  functionSid: `ZH${'5e'.repeat(16)}`,
  serviceDomain: DOMAIN,
};
const GOOD_ENV = {
  STICKY_CALLS_API_KEY: API_KEY,
  STICKY_CALLS_BASE_URL: '',
  TWILIO_WORKSPACE_SID: `WS${'ab'.repeat(16)}`,
  ACCOUNT_SID: `AC${'cd'.repeat(16)}`,
  AUTH_TOKEN,
};

const base = mkdtempSync(join(tmpdir(), 'stickycalls-doctor-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let folders = 0;
/** A new path under the test's temporary folder. */
function fresh(name: string): string {
  folders += 1;
  return join(base, `${folders}-${name}`);
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const envText = (values: Readonly<Record<string, string | undefined>>) =>
  `# written by the test\n${Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;

/** A service folder as an admin copies it out of examples/twilio-serverless, changed by the options. */
function serviceFolder(
  options: {
    env?: Record<string, string | undefined> | null;
    runtimeHandler?: string | null;
    functions?: readonly string[];
  } = {},
): string {
  const folder = fresh('service');
  const dependencies: Record<string, string> = { '@stickycalls/twilio-function-adapter': '^0.1.0' };
  if (options.runtimeHandler !== null)
    dependencies['@twilio/runtime-handler'] = options.runtimeHandler ?? '2.1.0';
  write(join(folder, 'package.json'), JSON.stringify({ name: 'sticky-calls', dependencies }));
  for (const file of options.functions ?? [
    'caller-context.protected.js',
    'save-context.js',
    'wrapup-event.protected.js',
  ]) {
    write(join(folder, 'functions', file), 'exports.handler = () => {};\n');
  }
  if (options.env !== null) write(join(folder, '.env'), envText({ ...GOOD_ENV, ...options.env }));
  return folder;
}

/** A plugin folder as the Flex Plugins CLI builds it, changed by the options. */
function pluginFolder(
  options: {
    dependencies?: Record<string, string | undefined>;
    devDependencies?: Record<string, string | undefined>;
    env?: string | null;
    files?: Record<string, string>;
    installed?: Record<string, string>;
  } = {},
): string {
  const folder = fresh('plugin');
  const defined = (record: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  write(
    join(folder, 'package.json'),
    JSON.stringify({
      name: 'plugin-sticky-calls',
      dependencies: defined({
        '@stickycalls/flex-react': '^0.1.0',
        '@twilio/flex-plugin': '7.1.2',
        react: '17.0.2',
        'react-dom': '17.0.2',
        ...options.dependencies,
      }),
      devDependencies: defined({
        '@twilio/flex-plugin-scripts': '7.1.2',
        '@twilio/flex-ui': '2.17.1',
        ...options.devDependencies,
      }),
    }),
  );
  if (options.env !== null)
    write(join(folder, '.env'), options.env ?? `FLEX_APP_SAVE_CONTEXT_URL=${SAVE_URL}\n`);
  for (const [file, text] of Object.entries(options.files ?? {})) write(join(folder, file), text);
  for (const [name, version] of Object.entries(options.installed ?? {})) {
    write(join(folder, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  return folder;
}

function flowFile(edit?: (flow: ReturnType<typeof loadFlow>) => void, ids: FlowIds = IDS): string {
  const flow = fillFlow(loadFlow(), ids);
  edit?.(flow);
  const file = fresh('flow.filled.json');
  write(file, JSON.stringify(flow, null, 2));
  return file;
}

/** The doctor's report, checked never to show a secret. */
function doctor(args: string[], machine: { env?: Record<string, string>; nodeVersion?: string } = {}) {
  const result: DoctorResult = runDoctor(args, {
    env: machine.env ?? {},
    cwd: base,
    nodeVersion: machine.nodeVersion ?? '20.20.2',
  });
  const text = result.lines.join('\n');
  for (const secret of [API_KEY, AUTH_TOKEN, 'sk_test_emulator', `SK${'9f'.repeat(16)}`]) {
    expect(text).not.toContain(secret);
  }
  const problems = result.lines.filter((line) => line.startsWith('  problem'));
  return { ...result, text, problems };
}

describe('npm run doctor', () => {
  it('passes a good service, plugin and flow, saying what it checked', () => {
    const result = doctor([
      '--service',
      serviceFolder(),
      '--plugin',
      pluginFolder({ installed: { react: '17.0.2', 'react-dom': '17.0.2' } }),
      '--flow',
      flowFile(),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toMatch(
      /ok {7}STICKY_CALLS_API_KEY is set: a production key \(sk_prod_…\), not shown/,
    );
    expect(result.text).toContain('AUTH_TOKEN is set (not shown)');
    expect(result.text).toContain('@twilio/runtime-handler pinned to 2.1.0');
    expect(result.text).toContain('/caller-context: functions/caller-context.protected.js (protected)');
    expect(result.text).toContain('react 17.0.2: Flex');
    expect(result.text).toContain(`FLEX_APP_SAVE_CONTEXT_URL (from .env) is ${SAVE_URL}`);
    expect(result.text).toMatch(/send_to_flex \(success\): attributes template \d+ of 1024 characters/);
    expect(result.text).toMatch(/largest task attributes .*: \d+ of 4096 characters/);
    expect(result.lines.at(-1)).toBe('No problem found.');
  });

  it('turns a domain into the URLs the plugin and the flow need, and checks both against it', () => {
    const good = doctor(['--service', DOMAIN, '--plugin', pluginFolder(), '--flow', flowFile()]);
    expect(good.problems).toEqual([]);
    expect(good.text).toContain(`FLEX_APP_SAVE_CONTEXT_URL: ${SAVE_URL}`);
    expect(good.text).toContain(`https://${DOMAIN}/caller-context`);

    const other = 'sticky-calls-9876-dev.twil.io';
    const mismatched = doctor([
      '--service',
      other,
      '--plugin',
      pluginFolder(),
      '--flow',
      flowFile(undefined, { ...IDS, serviceDomain: DOMAIN }),
    ]);
    expect(mismatched.exitCode).toBe(1);
    expect(mismatched.problems).toEqual([
      expect.stringContaining(`points at ${DOMAIN}, not the service's domain ${other}`),
      expect.stringContaining(`the Run Function calls ${DOMAIN}, not the service's domain ${other}`),
    ]);
  });

  it.each([
    [
      `https://${DOMAIN}`,
      /give the domain alone, without https:\/\/ \(--service sticky-calls-1234-dev\.twil\.io\)/,
    ],
    ['sticky-calls.example.com', /not a Twilio Functions domain \(they end with \.twil\.io/],
    ['./no/such/folder', /no such folder/],
    ['sticky calls', /neither a folder nor a host name/],
  ])('names a service domain that is wrong: %s', (given, message) => {
    const result = doctor(['--service', given]);
    expect(result.exitCode).toBe(1);
    expect(result.problems).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['no .env', serviceFolder({ env: null }), /\.env is missing: copy \.env\.example to \.env/],
    [
      'an empty API key',
      serviceFolder({ env: { STICKY_CALLS_API_KEY: '' } }),
      /STICKY_CALLS_API_KEY is empty/,
    ],
    [
      'the emulator’s key',
      serviceFolder({ env: { STICKY_CALLS_API_KEY: 'sk_test_emulator' } }),
      /the local emulator’s key \(the one the demo uses\): the real API refuses it/,
    ],
    [
      'a Twilio API key sid',
      serviceFolder({ env: { STICKY_CALLS_API_KEY: `SK${'9f'.repeat(16)}` } }),
      /looks like a Twilio API key sid \(SK…\)/,
    ],
    [
      'a key with spaces',
      serviceFolder({ env: { STICKY_CALLS_API_KEY: `${API_KEY} ${API_KEY}` } }),
      /STICKY_CALLS_API_KEY has spaces in it \(not shown\)/,
    ],
    [
      'a malformed workspace sid',
      serviceFolder({ env: { TWILIO_WORKSPACE_SID: 'WS123' } }),
      /TWILIO_WORKSPACE_SID must be WS followed by 32 hex digits/,
    ],
    [
      'no workspace',
      serviceFolder({ env: { TWILIO_WORKSPACE_SID: undefined } }),
      /TWILIO_WORKSPACE_SID is empty/,
    ],
    [
      'a malformed account sid',
      serviceFolder({ env: { ACCOUNT_SID: `AC${'z'.repeat(32)}` } }),
      /ACCOUNT_SID must be AC followed by 32 hex digits/,
    ],
    ['no auth token', serviceFolder({ env: { AUTH_TOKEN: '' } }), /AUTH_TOKEN is empty/],
    [
      'an auth token of the wrong shape',
      serviceFolder({ env: { AUTH_TOKEN: `${AUTH_TOKEN}00` } }),
      /AUTH_TOKEN is set but is not 32 hex characters/,
    ],
    [
      'an http API address',
      serviceFolder({ env: { STICKY_CALLS_BASE_URL: 'http://api.stickycalls.com' } }),
      /STICKY_CALLS_BASE_URL must be an https:\/\/ URL/,
    ],
    [
      'a runtime handler range',
      serviceFolder({ runtimeHandler: '^2.1.0' }),
      /@twilio\/runtime-handler is "\^2\.1\.0": pin it to one exact version/,
    ],
    [
      'no runtime handler',
      serviceFolder({ runtimeHandler: null }),
      /@twilio\/runtime-handler is not a dependency/,
    ],
    [
      'a public caller-context',
      serviceFolder({ functions: ['caller-context.js', 'save-context.js'] }),
      /\/caller-context: functions\/caller-context\.js has the wrong visibility: rename it functions\/caller-context\.protected\.js/,
    ],
    [
      'a protected save-context',
      serviceFolder({ functions: ['caller-context.protected.js', 'save-context.protected.js'] }),
      /\/save-context: functions\/save-context\.protected\.js has the wrong visibility: rename it functions\/save-context\.js/,
    ],
    [
      'no caller-context',
      serviceFolder({ functions: ['save-context.js'] }),
      /\/caller-context: functions\/caller-context\.protected\.js is missing/,
    ],
  ])('names a service folder with %s, and what to do', (_, folder, message) => {
    const result = doctor(['--service', folder]);
    expect(result.exitCode).toBe(1);
    expect(result.problems).toEqual([expect.stringMatching(message)]);
  });

  it('leaves out the optional safety net without calling it a problem, and never shows the key', () => {
    const result = doctor([
      '--service',
      serviceFolder({
        functions: ['caller-context.protected.js', 'save-context.js'],
        env: { STICKY_CALLS_API_KEY: 'sk_test_51HxYzAbCdEf9876' },
      }),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.text).toContain('/wrapup-event: not deployed (the optional safety net');
    expect(result.text).toContain('a test key (sk_test_…), not shown');
    expect(result.text).not.toContain('sk_test_51HxYzAbCdEf9876');
    expect(result.text).not.toContain('9876');
  });

  it.each([
    [
      'React 18',
      pluginFolder({ dependencies: { react: '^18.2.0' } }),
      /react "\^18\.2\.0": Flex 2\.x runs plugins with its own React 17\.0\.2/,
    ],
    [
      'no react-dom',
      pluginFolder({ dependencies: { 'react-dom': undefined } }),
      /react-dom is not a dependency: add "react-dom": "17\.0\.2"/,
    ],
    [
      'React 18 installed',
      pluginFolder({ installed: { react: '18.3.1', 'react-dom': '17.0.2' } }),
      /node_modules holds react 18\.3\.1, not 17: run npm install again/,
    ],
    [
      'Flex UI 1.x',
      pluginFolder({ devDependencies: { '@twilio/flex-ui': '^1.34.0' } }),
      /@twilio\/flex-ui \^1\.34\.0: Sticky Calls needs Flex UI 2\.x/,
    ],
    [
      'no flex-plugin-scripts',
      pluginFolder({ devDependencies: { '@twilio/flex-plugin-scripts': undefined } }),
      /@twilio\/flex-plugin-scripts is missing: the Flex Plugins CLI/,
    ],
    [
      'an http save URL',
      pluginFolder({ env: `FLEX_APP_SAVE_CONTEXT_URL=http://${DOMAIN}/save-context\n` }),
      /FLEX_APP_SAVE_CONTEXT_URL \(from \.env\) is http:\/\/ .*use https:\/\//,
    ],
    [
      'a save URL on another path',
      pluginFolder({ env: `FLEX_APP_SAVE_CONTEXT_URL=https://${DOMAIN}/caller-context\n` }),
      /must end with \/save-context .*got \/caller-context/,
    ],
    [
      'a save URL that is not one',
      pluginFolder({ env: 'FLEX_APP_SAVE_CONTEXT_URL=sticky-calls-1234-dev.twil.io\n' }),
      /is not a URL/,
    ],
    [
      'no save URL',
      pluginFolder({ env: '# FLEX_APP_SAVE_CONTEXT_URL=\n' }),
      /FLEX_APP_SAVE_CONTEXT_URL is not set \(in \.env, the environment\): the plugin would build without the wrap-up form/,
    ],
  ])('names a plugin folder with %s, and what to do', (_, folder, message) => {
    const result = doctor(['--plugin', folder]);
    expect(result.exitCode).toBe(1);
    expect(result.problems).toEqual([expect.stringMatching(message)]);
  });

  it('reads the save URL as the plugin build does: .<profile>.env, then .env, then the environment', () => {
    const profiled = pluginFolder({
      env: 'FLEX_APP_SAVE_CONTEXT_URL=http://sticky-calls-1234-dev.twil.io/save-context\n',
      files: { '.staging.env': `FLEX_APP_SAVE_CONTEXT_URL=${SAVE_URL}\n` },
    });
    expect(doctor(['--plugin', profiled], { env: { TWILIO_PROFILE: 'staging' } }).problems).toEqual([]);
    expect(doctor(['--plugin', profiled]).problems).toEqual([
      expect.stringContaining('(from .env) is http://'),
    ]);

    const fromEnvironment = doctor(['--plugin', pluginFolder({ env: null })], {
      env: { FLEX_APP_SAVE_CONTEXT_URL: 'http://localhost:3000/save-context' },
    });
    expect(fromEnvironment.problems).toEqual([]);
    expect(fromEnvironment.text).toContain('(from the environment) is http://localhost:3000/save-context');
  });

  it('names each problem of a flow, and one that is missing', () => {
    const unfilled = doctor(['--flow', fileURLToPath(new URL('../../flow.json', import.meta.url))]);
    expect(unfilled.exitCode).toBe(1);
    expect(unfilled.problems).toContainEqual(
      expect.stringMatching(/the placeholder WW0{32} \(workflowSid\) is still in the flow/),
    );

    const tooLarge = doctor([
      '--flow',
      flowFile((flow) => {
        const state = flow.states.find((candidate) => candidate.name === 'send_to_flex');
        if (state === undefined || typeof state.properties.attributes !== 'string')
          throw new Error('no template');
        state.properties.attributes = state.properties.attributes.replace(
          '"sticky_calls":',
          '"copy":{{widgets.caller_context.parsed.sticky_calls | to_json}},"sticky_calls":',
        );
      }),
    ]);
    expect(tooLarge.problems).toEqual([expect.stringMatching(/TaskRouter takes at most 4096/)]);

    expect(doctor(['--flow', join(base, 'nope.json')]).problems).toEqual([
      expect.stringMatching(/nope\.json does not exist: make it with npm run fill-flow/),
    ]);
  });

  it('names a Node version too old, unknown options and stray values, all in one run', () => {
    const result = doctor(['--servce', DOMAIN, 'extra', '--flow'], { nodeVersion: '18.20.4' });
    expect(result.exitCode).toBe(1);
    expect(result.problems).toEqual([
      expect.stringMatching(/--servce: unknown option/),
      expect.stringMatching(/"extra": unexpected argument/),
      expect.stringMatching(/--flow: needs a value/),
      expect.stringMatching(/Node 18\.20\.4: .*need Node 20 or newer.*install Node 22 LTS/),
    ]);
    expect(doctor(['--plugin', pluginFolder()], { nodeVersion: '23.1.0' }).problems).toEqual([
      expect.stringMatching(/Node 23\.1\.0 for the Flex plugin build/),
    ]);
    expect(doctor([]).exitCode).toBe(0);
  });

  it('runs as npm run doctor does: paths relative to the folder it was typed in, exit 1 on a problem', () => {
    const service = serviceFolder();
    const plugin = pluginFolder({ env: `FLEX_APP_SAVE_CONTEXT_URL=http://${DOMAIN}/save-context\n` });
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--conditions=@stickycalls/source', '--import', 'tsx', 'scripts/doctor.ts', ...args],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, INIT_CWD: base } },
      );
    const good = cli(['--service', relative(base, service)]);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(`Service folder ${service}`);
    expect(good.stdout).not.toContain(API_KEY);

    const bad = cli(['--', '--plugin', relative(base, plugin)]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/problem {2}FLEX_APP_SAVE_CONTEXT_URL \(from \.env\) is http:\/\//);
    expect(bad.stdout).toMatch(/1 problem found: fix it and run the doctor again\.\n$/);
  }, 60_000);
});

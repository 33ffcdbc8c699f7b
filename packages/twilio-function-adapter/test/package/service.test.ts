/**
 * What `npm run make:service` gives a Flex admin, deployed as Twilio would: the command
 * writes the service into a scratch folder outside the repository, npm installs what its
 * package.json names for the runtime (Twilio's `@twilio/runtime-handler`, which brings the
 * `twilio` client; `twilio-run` is the workspace's copy of the same pinned version), and
 * `twilio-run start` serves its Functions over HTTP on 127.0.0.1, on Node 20 and Node 22.
 * No @stickycalls package is installed: each Function carries the SDK in its one file.
 *
 * As in twilio-run.test.ts, the Sticky Calls API is the core's emulator on loopback, and
 * Twilio IAM and TaskRouter are answered inside the runtime's processes by the preload
 * (../runtime/twilio-preload.cjs, named in the service's .env): the bundled token check and
 * the runtime's own Twilio client make every request as they would on Twilio.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { EMULATOR_API_KEY, type EmulatorServer, startEmulatorServer } from '@stickycalls/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { node22Binary } from '../../../../scripts/node22.mjs';
import {
  createTaskRouterStandIn,
  serveTaskRouter,
  type TaskRouterStandIn,
} from '../../src/testing/taskrouter.js';

const packageDir = resolve(import.meta.dirname, '../..');
const root = resolve(packageDir, '../..');
const example = join(root, 'examples', 'twilio-serverless');
const makeService = join(root, 'scripts', 'make-service.mjs');
const twilioRunDir = join(packageDir, 'node_modules', 'twilio-run');
const WORKER = `WK${'1'.repeat(32)}`;
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
// twilio-run's getTwilioClient() wants a 32-character auth token.
const AUTH_TOKEN = 'test-auth-token-5e1f0a2b3c4d6e7f';
const WORKSPACE_SID = `WS${'5'.repeat(32)}`;
const AGENT = 'flex-token-valid-bundle-8c1e';
const CALLER = '+14155551234';

let scratch = '';
let service = '';
let made = '';
let api: EmulatorServer;
let taskRouter: TaskRouterStandIn;
let taskRouterServer: Awaited<ReturnType<typeof serveTaskRouter>>;

/** `node scripts/make-service.mjs …` as `npm run make:service -- …` runs it, packages already built. */
function make(args: string[]) {
  return spawnSync(process.execPath, [makeService, ...args, '--no-build'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: root },
  });
}

/** Every folder named `name` in `dir`'s node_modules trees, nested ones included. */
function foldersNamed(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(modules, entry.name);
      if (entry.name === name) found.push(path);
      const packages = entry.name.startsWith('@')
        ? readdirSync(path, { withFileTypes: true })
            .filter((scoped) => scoped.isDirectory())
            .map((scoped) => join(path, scoped.name))
        : [path];
      for (const pkg of packages) walk(join(pkg, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'stickycalls-service-'));
  service = join(scratch, 'sticky-calls');
  const started = performance.now();
  const result = make([service]);
  if (result.status !== 0) throw new Error(`make-service failed: ${result.stdout}${result.stderr}`);
  made = result.stdout;
  // What `npm install` installs for the runtime; the devDependency twilio-run is the workspace's.
  execFileSync(
    'npm',
    ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    {
      cwd: service,
      stdio: 'pipe',
    },
  );
  console.log(`make:service and npm install: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  api = await startEmulatorServer();
  taskRouter = createTaskRouterStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    workspaceSid: WORKSPACE_SID,
  });
  taskRouterServer = await serveTaskRouter(taskRouter);
  writeFileSync(
    join(service, '.env'),
    [
      `ACCOUNT_SID=${ACCOUNT_SID}`,
      `AUTH_TOKEN=${AUTH_TOKEN}`,
      `TWILIO_WORKSPACE_SID=${WORKSPACE_SID}`,
      `STICKY_CALLS_API_KEY=${EMULATOR_API_KEY}`,
      `STICKY_CALLS_BASE_URL=${api.url}`,
      // twilio-run gives its Function processes only the .env: the Twilio stand-ins go here.
      `NODE_OPTIONS=--require ${join(packageDir, 'test', 'runtime', 'twilio-preload.cjs')}`,
      `IAM_TEST_TOKENS_FILE=${join(scratch, 'iam-tokens.json')}`,
      `TASKROUTER_TEST_URL=${taskRouterServer.url}`,
    ].join('\n'),
  );
  writeFileSync(
    join(scratch, 'iam-tokens.json'),
    JSON.stringify({ [AGENT]: { worker_sid: WORKER, roles: ['agent'], identity: 'ada' } }),
  );
}, 300_000);

afterAll(async () => {
  await api?.close();
  await taskRouterServer?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the service npm run make:service writes', () => {
  const functions = ['caller-context.protected.js', 'save-context.js', 'wrapup-event.protected.js'];

  it('is the three Functions, one file each, with the example’s settings and a README', () => {
    expect(readdirSync(join(service, 'functions')).sort()).toEqual(functions);
    expect(readFileSync(join(service, '.env.example'), 'utf8')).toBe(
      readFileSync(join(example, '.env.example'), 'utf8'),
    );
    const readme = readFileSync(join(service, 'README.md'), 'utf8');
    for (const command of ['cp .env.example .env', 'npm install', 'npm run deploy'])
      expect(readme).toContain(command);
    expect(readme).toMatch(/@stickycalls\/twilio-function-adapter@\d+\.\d+\.\d+/);
    // What it printed: each Function with its size, then the commands to deploy.
    for (const file of functions)
      expect(made).toMatch(new RegExp(`functions/${file.replace('.', '\\.')}\\s+\\d+\\.\\d KB`));
    expect(made).toContain('npm run deploy');
  });

  it('names only Twilio’s runtime, pinned as the example pins it, and twilio-run to deploy', () => {
    const pkg = JSON.parse(readFileSync(join(service, 'package.json'), 'utf8'));
    const source = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({
      '@twilio/runtime-handler': source.dependencies['@twilio/runtime-handler'],
    });
    expect(pkg.devDependencies).toEqual({ 'twilio-run': source.devDependencies['twilio-run'] });
    expect(pkg.scripts).toEqual({ start: source.scripts.start, deploy: source.scripts.deploy });
    // The twilio-run this test starts is the version the service installs to deploy.
    expect(JSON.parse(readFileSync(join(twilioRunDir, 'package.json'), 'utf8')).version).toBe(
      pkg.devDependencies['twilio-run'],
    );
  });

  it('has no @stickycalls package installed, and no bundle requires one', () => {
    expect(existsSync(join(service, 'node_modules', '@twilio', 'runtime-handler'))).toBe(true);
    expect(foldersNamed(service, '@stickycalls')).toEqual([]);
    const allowed = new Set(['twilio', '@twilio/runtime-handler', ...builtinModules]);
    for (const file of functions) {
      const code = readFileSync(join(service, 'functions', file), 'utf8');
      const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map(([, name]) =>
        (name as string).replace(/^node:/, ''),
      );
      expect(
        required.filter((name) => !allowed.has(name)),
        file,
      ).toEqual([]);
      expect(code, file).not.toMatch(/@stickycalls\/(core|twilio-function-adapter)['"]/);
      // The local demo's token stand-in is switched on from outside; nothing of it is in the SDK.
      expect(code, file).not.toMatch(/DEMO|NODE_OPTIONS/);
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** `twilio-run start` in the service's folder, with the given Node; resolves once it serves. */
async function startRuntime(nodeBinary: string) {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    nodeBinary,
    [join(twilioRunDir, 'bin', 'twilio-run.js'), 'start', '--port', String(port)],
    {
      cwd: service,
      env: { ...process.env, FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited: ${output.join('')}`);
    const ready = await fetch(`${url}/save-context`, { method: 'OPTIONS' }).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`twilio-run did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = () =>
    new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { url, output, stop };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: 'https://flex.twilio.com' },
  body: JSON.stringify(body),
});
const ends = (callId: string) =>
  api.emulator.requests.filter(
    (r) => r.operation === 'end' && (r.body as { call_id: string }).call_id === callId,
  );

let sequence = 0;
const callSid = () => `CA${String(++sequence).padStart(32, '7')}`;

describe.each([
  ['20', () => process.execPath],
  ['22', () => node22Binary() as string],
])('the service in twilio-run on Node %s', (_major, nodeBinary) => {
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  beforeAll(async () => {
    api.emulator.reset();
    taskRouter.reset();
    runtime = await startRuntime(nodeBinary());
  }, 90_000);
  afterAll(async () => {
    await runtime?.stop();
    const text = runtime?.output.join('') ?? '';
    for (const secret of [EMULATOR_API_KEY, AUTH_TOKEN, AGENT]) expect(text).not.toContain(secret);
  });

  async function callerContext(sid: string) {
    const response = await fetch(`${runtime.url}/caller-context`, form({ CallSid: sid, From: CALLER }));
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & { sticky_calls: Record<string, unknown> },
    };
  }
  async function saveContext(body: Record<string, unknown>) {
    const response = await fetch(`${runtime.url}/save-context`, json(body));
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      cors: response.headers.get('access-control-allow-origin'),
    };
  }
  /** A call as it reaches the agent: Studio ran /caller-context, Send to Flex made the task. */
  async function routedCall() {
    const sid = callSid();
    const started = await callerContext(sid);
    const taskSid = taskRouter.addTask({
      attributes: { type: 'inbound', call_sid: sid, from: CALLER, ...started.body },
      assignmentStatus: 'wrapping',
      reservations: [{ workerSid: WORKER, status: 'wrapping' }],
    });
    return { sid, taskSid, started };
  }
  const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { order_id: '4471' } };

  it('/caller-context answers, /save-context stores then saves, and the caller is known on the next call', async () => {
    const first = await routedCall();
    expect(first.started.status).toBe(200);
    expect(first.started.body.sticky_calls).toMatchObject({ status: 'ok', tier: 'ignore' });

    const stored = await saveContext({
      Token: AGENT,
      TaskSid: first.taskSid,
      action: 'store',
      wrap_up: WRAP_UP,
    });
    expect(stored).toMatchObject({ status: 200, body: { status: 'stored', saveable: true } });
    expect(stored.cors).toBe('https://flex.twilio.com');
    const refused = await saveContext({
      Token: 'flex-token-unknown',
      TaskSid: first.taskSid,
      wrap_up: WRAP_UP,
    });
    expect(refused).toMatchObject({ status: 403, body: { status: 'forbidden', code: 'invalid_token' } });

    taskRouter.setStatus(first.taskSid, 'completed', 'completed');
    const saved = await saveContext({
      Token: AGENT,
      TaskSid: first.taskSid,
      action: 'save',
      wrap_up: WRAP_UP,
    });
    expect(saved).toMatchObject({ status: 200, body: { status: 'saved', call_id: first.sid } });
    expect(ends(first.sid).map((r) => r.status)).toEqual([200]);
    expect(taskRouter.attributes(first.taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: true });

    const again = await callerContext(callSid());
    expect(again.status).toBe(200);
    expect(again.body.customer_ref).toBe(first.started.body.customer_ref);
    expect(again.body.sticky_calls).toMatchObject({
      status: 'ok',
      tier: 'reuse',
      intents: [{ intent: 'refund_request', status: 'open', attempts: 1 }],
      vars: { order_id: '4471' },
    });
  });

  it('/wrapup-event saves a wrap-up the browser never saved, once', async () => {
    const { sid, taskSid, started } = await routedCall();
    const event = {
      EventType: 'task.completed',
      TaskSid: taskSid,
      TaskAttributes: JSON.stringify({
        ...taskRouter.attributes(taskSid),
        [WRAP_UP_ATTRIBUTE_KEY]: {
          call_id: sid,
          customer_ref: started.body.customer_ref,
          intent: 'move',
          intent_status: 'open',
          saved: false,
        },
      }),
    };
    const first = await fetch(`${runtime.url}/wrapup-event`, form(event));
    const second = await fetch(`${runtime.url}/wrapup-event`, form(event));
    expect([first.status, second.status]).toEqual([204, 204]);
    expect(ends(sid).map((r) => r.status)).toEqual([200]);
    expect(taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({
      intent: 'move',
      saved: true,
    });
  });
});

describe('npm run make:service refuses', () => {
  it('a folder that is not empty, unless --force, which keeps .env, .twiliodeployinfo and node_modules', () => {
    const dir = join(scratch, 'used');
    mkdirSync(join(dir, 'node_modules', 'kept'), { recursive: true });
    mkdirSync(join(dir, 'functions'));
    writeFileSync(join(dir, 'functions', 'old.js'), 'exports.handler = () => {};\n');
    writeFileSync(join(dir, '.env'), 'STICKY_CALLS_API_KEY=kept\n');
    writeFileSync(join(dir, '.twiliodeployinfo'), '{"kept":true}\n');

    const refused = make([dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is not empty');
    expect(readdirSync(join(dir, 'functions'))).toEqual(['old.js']);

    const forced = make([dir, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(readdirSync(join(dir, 'functions')).sort()).toEqual([
      'caller-context.protected.js',
      'save-context.js',
      'wrapup-event.protected.js',
    ]);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('STICKY_CALLS_API_KEY=kept\n');
    expect(readFileSync(join(dir, '.twiliodeployinfo'), 'utf8')).toBe('{"kept":true}\n');
    expect(existsSync(join(dir, 'node_modules', 'kept'))).toBe(true);
  });

  it('a folder inside the repository, or one holding it', () => {
    // Without --force: were the check gone, a folder holding the repository would only be refused as not empty.
    const inside = join(root, 'examples', 'sticky-calls-service');
    try {
      for (const dir of [inside, join(root, '..')]) {
        const refused = make([dir]);
        expect(refused.status, dir).toBe(1);
        expect(refused.stderr).toMatch(/inside this repository|holds this repository/);
      }
      expect(existsSync(inside)).toBe(false);
    } finally {
      rmSync(inside, { recursive: true, force: true });
    }
  });
});

describe('npm run make:service --from-npm', () => {
  it('copies the Functions as they are and names the published adapter with the example’s range', () => {
    const dir = join(scratch, 'from-npm');
    const result = make([dir, '--from-npm']);
    expect(result.status, result.stderr).toBe(0);
    for (const file of ['caller-context.protected.js', 'save-context.js', 'wrapup-event.protected.js'])
      expect(readFileSync(join(dir, 'functions', file), 'utf8')).toBe(
        readFileSync(join(example, 'functions', file), 'utf8'),
      );
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const source = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual(source.dependencies);
    expect(pkg.devDependencies).toEqual({ 'twilio-run': source.devDependencies['twilio-run'] });
  });
});

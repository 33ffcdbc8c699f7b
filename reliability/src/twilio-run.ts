/**
 * The adapter's built Functions in Twilio's own local runtime, `twilio-run start` (the
 * twilio-run and `@twilio/runtime-handler` the adapter pins), on 127.0.0.1, for the
 * files that check what a deployed Function does. Twilio IAM and TaskRouter cannot be
 * reached from tests: the adapter's runtime preload (its test/runtime/twilio-preload.cjs,
 * loaded into every Function process) answers IAM from a token list and passes
 * TaskRouter's requests on to the file's TaskRouter stand-in on loopback. The service,
 * its .env and the token list live in a scratch folder, removed when the runtime stops;
 * what the runtime prints is captured for the secrets scan.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Emulator, startEmulatorServer } from '@stickycalls/core/testing';
import {
  serveTaskRouter,
  type TaskRouterStandIn,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { ACCOUNT_SID, API_KEY, AUTH_TOKEN, captured, WORKSPACE_SID } from './kit.js';

const requireHere = createRequire(import.meta.url);
const ADAPTER_DIR = dirname(requireHere.resolve('@stickycalls/twilio-function-adapter/package.json'));
const ADAPTER_ENTRY = join(ADAPTER_DIR, 'dist', 'index.cjs');
const ADAPTER_PRELOAD = join(ADAPTER_DIR, 'test', 'runtime', 'twilio-preload.cjs');
const TWILIO_RUN = join(
  dirname(createRequire(join(ADAPTER_DIR, 'package.json')).resolve('twilio-run/package.json')),
  'bin',
  'twilio-run.js',
);

/** Options of {@link startTwilioRun}. */
export interface TwilioRunOptions {
  /** The service's Functions: file name → the adapter's factory call, e.g. `createSaveContextHandler()`. */
  readonly functions: Readonly<Record<string, string>>;
  /** The service's .env (what a deployed service's environment holds). */
  readonly env: Readonly<Record<string, string>>;
  /** Flex tokens the IAM stand-in accepts, with what IAM says of each. */
  readonly tokens: Readonly<Record<string, object>>;
  /** Where the TaskRouter stand-in is served (`serveTaskRouter`). */
  readonly taskRouterUrl: string;
}

/** What one request to a Function came to. */
export interface FunctionAnswer {
  readonly status: number;
  /** The JSON body; `undefined` for an empty one (204). */
  readonly body: Record<string, unknown> | undefined;
}

/** A running twilio-run. */
export interface TwilioRun {
  readonly url: string;
  /** Posts JSON (as the Flex plugin does) or a form (as TaskRouter's event callback does). */
  post(path: string, body: Record<string, unknown>, as?: 'json' | 'form'): Promise<FunctionAnswer>;
  stop(): Promise<void>;
}

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

/** Starts the service in twilio-run and resolves once it answers. */
export async function startTwilioRun({
  functions,
  env,
  tokens,
  taskRouterUrl,
}: TwilioRunOptions): Promise<TwilioRun> {
  for (const needed of [ADAPTER_ENTRY, ADAPTER_PRELOAD, TWILIO_RUN]) {
    if (!existsSync(needed))
      throw new Error(`${needed} is missing: run \`pnpm build\` (and pnpm install) first`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-reliability-run-'));
  const serviceDir = join(scratch, 'service');
  mkdirSync(join(serviceDir, 'functions'), { recursive: true });
  // twilio-run takes `@twilio/runtime-handler/dev` from the service's node_modules: the adapter's.
  symlinkSync(join(ADAPTER_DIR, 'node_modules'), join(serviceDir, 'node_modules'), 'dir');
  writeFileSync(
    join(serviceDir, 'package.json'),
    JSON.stringify({
      name: 'stickycalls-reliability',
      private: true,
      dependencies: { '@twilio/runtime-handler': '2.1.0' },
    }),
  );
  for (const [file, factory] of Object.entries(functions)) {
    writeFileSync(
      join(serviceDir, 'functions', file),
      `exports.handler = require(${JSON.stringify(ADAPTER_ENTRY)}).${factory};\n`,
    );
  }
  const tokensFile = join(scratch, 'iam-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));
  // NODE_OPTIONS splits on spaces: a one-line shim in the scratch folder requires the preload by its full path.
  const preload = join(scratch, 'preload.cjs');
  writeFileSync(preload, `require(${JSON.stringify(ADAPTER_PRELOAD)});\n`);
  // twilio-run gives its Function processes only the .env: the stand-ins' settings go there.
  const lines = {
    ...env,
    NODE_OPTIONS: `--require ${preload}`,
    IAM_TEST_TOKENS_FILE: tokensFile,
    TASKROUTER_TEST_URL: taskRouterUrl,
  };
  writeFileSync(
    join(serviceDir, '.env'),
    `${Object.entries(lines)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );

  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      join(import.meta.dirname, '../../scripts/loopback-listen.cjs'),
      TWILIO_RUN,
      'start',
      '--port',
      String(port),
    ],
    {
      cwd: serviceDir,
      env: { ...process.env, FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((done) => {
      const finish = () => {
        rmSync(scratch, { recursive: true, force: true });
        // The runtime's and the Functions' every line joins the file's secrets scan.
        captured.logs.push(output.join(''));
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      child.once('exit', finish);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
    return stopped;
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`twilio-run exited:\n${output.join('')}`);
    }
    if (/already in use|another port/i.test(output.join(''))) {
      await stop();
      throw new Error(`port ${port} was taken before twilio-run could use it`);
    }
    const ready = await fetch(`${url}/`, { method: 'OPTIONS', signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`twilio-run did not start within 60 s:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    async post(path, body, as = 'json') {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
          origin: 'https://flex.twilio.com',
        },
        body:
          as === 'json'
            ? JSON.stringify(body)
            : new URLSearchParams(body as Record<string, string>).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      captured.bodies.push(text);
      return {
        status: response.status,
        body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
      };
    },
    stop,
  };
}

/** What {@link startService} serves: the Functions, with the emulator and the TaskRouter stand-in behind them. */
export interface ServiceOptions {
  readonly functions: TwilioRunOptions['functions'];
  readonly tokens: TwilioRunOptions['tokens'];
  readonly emulator: Emulator;
  readonly taskRouter: TaskRouterStandIn;
}

/**
 * The suite's service in twilio-run: the emulator and the TaskRouter stand-in served on
 * loopback, and a deployed service's environment (the suite's account, workspace and
 * key). `stop()` stops all three.
 */
export async function startService({
  functions,
  tokens,
  emulator,
  taskRouter,
}: ServiceOptions): Promise<TwilioRun> {
  const api = await startEmulatorServer({ emulator });
  const served = await serveTaskRouter(taskRouter);
  const runtime = await startTwilioRun({
    functions,
    env: {
      ACCOUNT_SID,
      AUTH_TOKEN,
      TWILIO_WORKSPACE_SID: WORKSPACE_SID,
      STICKY_CALLS_API_KEY: API_KEY,
      STICKY_CALLS_BASE_URL: api.url,
    },
    tokens,
    taskRouterUrl: served.url,
  }).catch(async (error: unknown) => {
    await Promise.all([served.close(), api.close()]);
    throw error;
  });
  return {
    ...runtime,
    async stop() {
      await runtime.stop();
      await Promise.all([served.close(), api.close()]);
    },
  };
}

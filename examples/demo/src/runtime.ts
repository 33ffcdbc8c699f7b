/**
 * The example Serverless service (examples/twilio-serverless) in Twilio's own local
 * runtime, `twilio-run start`, on 127.0.0.1, with an env file of the demo's making and
 * the demo's stand-ins for Twilio's cloud preloaded into its Function processes
 * (twilio-preload.cjs): IAM for the listed tokens, and TaskRouter passed on to a
 * TaskRouter stand-in served on loopback. Or (`kind: 'fetch'`) the same three handlers on
 * `@stickycalls/fetch-adapter`, served by `node:http` (fetch-server.mjs), with the same
 * settings and stand-ins.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const SERVICE_DIR = resolve(import.meta.dirname, '../../twilio-serverless');

export interface Runtime {
  readonly url: string;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** The service to serve. @default the Serverless example */
  readonly serviceDir?: string;
  /** Its Functions' folder, relative to `serviceDir`. @default twilio-run's `functions` */
  readonly functionsFolder?: string;
  /** Told how to stop the runtime as soon as it is spawned, so an early Ctrl-C stops it too. */
  readonly onSpawn?: (stop: () => Promise<void>) => void;
  /** Variables of the service's env file (what `.env` holds when deployed). */
  readonly env: Readonly<Record<string, string>>;
  /** Agent tokens the demo's IAM stand-in accepts, with what IAM says of each. */
  readonly tokens: Readonly<Record<string, object>>;
  /**
   * Where the Function processes' TaskRouter requests go: a TaskRouter stand-in on
   * 127.0.0.1 (`serveTaskRouter`). Without it, TaskRouter answers 404 to everything.
   */
  readonly taskRouterUrl?: string;
  /**
   * Serve every request from one warm process, as Twilio's cloud keeps a Function's
   * container warm between requests (twilio-run's `--no-fork-process --no-live`), instead
   * of a fresh process per request. Module caches, the client and the save Function's
   * token cache then last from one request to the next. @default false
   */
  readonly warm?: boolean;
  /**
   * What serves the handlers: the Function adapter in twilio-run, or the fetch adapter
   * in a plain Node server. @default 'twilio-run'
   */
  readonly kind?: 'twilio-run' | 'fetch';
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the service and resolves once it answers. */
export async function startRuntime({
  env,
  tokens,
  taskRouterUrl,
  serviceDir = SERVICE_DIR,
  functionsFolder,
  onSpawn,
  warm = false,
  kind = 'twilio-run',
}: RuntimeOptions): Promise<Runtime> {
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-demo-'));
  const tokensFile = join(scratch, 'iam-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));
  const envFile = join(scratch, '.env');
  // NODE_OPTIONS splits on spaces, and twilio-run's env file keeps quotes: a one-line shim in
  // the scratch folder requires the stand-in by its full path, whatever that path holds.
  const preload = join(scratch, 'preload.cjs');
  writeFileSync(preload, `require(${JSON.stringify(join(import.meta.dirname, 'twilio-preload.cjs'))});\n`);
  const standIns = {
    STICKY_CALLS_DEMO_IAM_TOKENS: tokensFile,
    ...(taskRouterUrl === undefined ? {} : { STICKY_CALLS_DEMO_TASKROUTER_URL: taskRouterUrl }),
  };
  const lines = {
    ...env,
    // Quoted: a checkout path may hold spaces.
    NODE_OPTIONS: `--require ${preload}`,
    ...standIns,
  };
  writeFileSync(
    envFile,
    `${Object.entries(lines)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );

  const twilioRun = join(
    dirname(createRequire(join(SERVICE_DIR, 'package.json')).resolve('twilio-run/package.json')),
    'bin',
    'twilio-run.js',
  );
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess =
    kind === 'fetch'
      ? spawn(
          process.execPath,
          ['--require', preload, join(import.meta.dirname, 'fetch-server.mjs'), String(port)],
          {
            cwd: import.meta.dirname,
            env: { ...process.env, ...env, ...standIns },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
      : spawn(
          process.execPath,
          [
            '--require',
            join(import.meta.dirname, '../../../scripts/loopback-listen.cjs'),
            // Warm: the Functions run in twilio-run's own process, which the stand-ins must be in.
            ...(warm ? ['--require', preload] : []),
            twilioRun,
            'start',
            '--port',
            String(port),
            '--env',
            envFile,
            ...(functionsFolder === undefined ? [] : ['--functions-folder', functionsFolder]),
            ...(warm ? ['--no-fork-process', '--no-live'] : []),
          ],
          {
            cwd: serviceDir,
            env: { ...process.env, FORCE_COLOR: '0', CI: 'true', ...(warm ? standIns : {}) },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
  const name = kind === 'fetch' ? 'the fetch-adapter server' : 'twilio-run';
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((done) => {
      rmSync(scratch, { recursive: true, force: true });
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });

  onSpawn?.(stop);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${name} exited:\n${output.join('')}`);
    }
    // twilio-run asks on stdin for another port when this one was taken meanwhile.
    if (/already in use|another port/i.test(output.join(''))) {
      await stop();
      throw new Error(`port ${port} was taken before ${name} could use it; run the demo again`);
    }
    const ready = await fetch(`${url}/save-context`, {
      method: 'OPTIONS',
      signal: AbortSignal.timeout(2000),
    }).then(
      () => true,
      () => false,
    );
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start within 60 s:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

#!/usr/bin/env node
// Runs a workspace script with the pinned pnpm, installing pnpm and the workspace's
// dependencies first when they are missing. Needs only Node >= 20 and npm on the machine,
// so the README's commands work from a fresh clone:
//   node scripts/run.mjs <script> [args...]   (what `npm start` and `npm test` call)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const version = /^pnpm@(\d+\.\d+\.\d+)/.exec(pinned ?? '')?.[1];
if (!version) fail(`package.json must pin "packageManager": "pnpm@x.y.z" (found ${pinned})`);

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Node ${process.versions.node} is too old: Node 20 or newer is needed.`);

const toolDir = join(root, '.tools', `pnpm-${version}`);
const env = { ...process.env, COREPACK_ENABLE_STRICT: '0', npm_config_update_notifier: 'false' };
const pnpm = findPnpm() ?? installPnpm();

const [script = 'test', ...args] = process.argv.slice(2);
const installArgs = process.env.CI ? ['install', '--frozen-lockfile'] : ['install', '--prefer-offline'];
run(pnpm, installArgs);
// Not spawnSync: the script runs in a process group of its own (pnpm, tsx, esbuild,
// twilio-run and the demo's servers), so that stopping this process stops all of it. A
// signal sent to this process is passed to the whole group; npm does not pass SIGTERM on
// to its script, so when npm itself goes away (its pid is no longer our parent) the group
// is stopped too. What has not stopped 5 s later is killed.
const parent = process.ppid;
const child = spawn(pnpm, ['run', script, ...args], {
  cwd: root,
  env,
  stdio: 'inherit',
  detached: process.platform !== 'win32',
});
let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  signalGroup(signal);
  setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));
const orphaned = setInterval(() => {
  if (process.ppid !== parent) stop('SIGTERM');
}, 500);
orphaned.unref();
child.on('exit', (code, signal) => {
  // The group may outlive its leader (a server pnpm started): stop what is left.
  signalGroup('SIGTERM');
  process.exit(code ?? (signal ? 1 : 0));
});

function signalGroup(signal) {
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function findPnpm() {
  const local = join(toolDir, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) return prependPath(local);
  const onPath = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  return onPath.status === 0 && onPath.stdout.trim() === version ? 'pnpm' : undefined;
}

function installPnpm() {
  console.log(`Installing pnpm ${version} into .tools/ (once)...`);
  run('npm', ['install', '--prefix', toolDir, '--no-save', '--no-audit', '--no-fund', `pnpm@${version}`]);
  return prependPath(join(toolDir, 'node_modules', '.bin', 'pnpm'));
}

// Scripts that call `pnpm` themselves must find the same pnpm.
function prependPath(bin) {
  env.PATH = `${dirname(bin)}${delimiter}${env.PATH ?? ''}`;
  return bin;
}

function run(cmd, cmdArgs) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0)
    fail(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
}

function fail(message) {
  console.error(`scripts/run.mjs: ${message}`);
  process.exit(1);
}

// Stopping `npm start` stops everything it started. npm does not pass SIGTERM on to its
// script, and pnpm, tsx, esbuild and twilio-run each start processes of their own: the
// test starts the README's command, waits for the agent desk, signals the npm process
// (SIGTERM) or its process group as a terminal's Ctrl+C does (SIGINT), and checks that every port the demo opened closes and no process it started is
// left. Runs after the build (`npm test` builds first), so the packages are up to date.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe.runIf(process.platform === 'linux')('stopping npm start', () => {
  const cases = [
    { signal: 'SIGTERM', to: 'the npm process', group: false },
    // Ctrl+C in a terminal: SIGINT to the foreground process group (npm, sh, the runner).
    { signal: 'SIGINT', to: "npm's process group (Ctrl+C)", group: true },
  ];
  for (const { signal, to, group } of cases) {
    it(`${signal} to ${to} stops the demo: its ports close and no process is left`, async () => {
      const port = await freePort();
      const npm = spawn('npm', ['start', '--', '--port', String(port)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, STICKY_CALLS_API_KEY: '', FORCE_COLOR: '0' },
      });
      let output = '';
      let tree = [];
      npm.stdout.on('data', (chunk) => {
        output += chunk;
      });
      npm.stderr.on('data', (chunk) => {
        output += chunk;
      });
      try {
        await until(
          () => answers(port),
          150_000,
          () => `the desk never answered on ${port}:\n${output.slice(-2000)}`,
        );
        tree = descendants(npm.pid);
        const ports = listeningPortsOf(tree);
        expect(ports).toContain(port);
        expect(ports.length).toBeGreaterThanOrEqual(3); // the desk, the emulator, TaskRouter, twilio-run

        process.kill(group ? -npm.pid : npm.pid, signal);
        await until(
          () => listeningPortsOf(tree).length === 0 && tree.every((pid) => !alive(pid)),
          10_000,
          () =>
            `still running 10 s after ${signal}: ${tree
              .filter(alive)
              .map((pid) => `${pid} ${command(pid)}`)
              .join('; ')}`,
        );
      } finally {
        // What a failed run left, even when npm is gone and its children were re-parented.
        for (const pid of [...descendants(npm.pid), ...tree]) safeKill(pid);
        safeKill(npm.pid);
      }
    }, 200_000);
  }
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function answers(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    return response.status > 0;
  } catch {
    return false;
  }
}

async function until(condition, ms, message) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(message());
}

/** Every live process under `pid` (by parent pid, from /proc). */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The TCP ports the given processes listen on (from their sockets' inodes). */
function listeningPortsOf(pids) {
  const inodes = new Set();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
          const match = /^socket:\[(\d+)\]$/.exec(link);
          if (match) inodes.add(match[1]);
        } catch {
          // Closed meanwhile.
        }
      }
    } catch {
      // Gone.
    }
  }
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try {
      lines = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // State 0A is LISTEN.
      if (fields[3] === '0A' && inodes.has(fields[9]))
        ports.add(Number.parseInt(fields[1].split(':')[1], 16));
    }
  }
  return [...ports];
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function command(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 120);
  } catch {
    return '?';
  }
}

function safeKill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

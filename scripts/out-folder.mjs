// What `make:service` and `make:plugin` share: their command line (`<out-dir> [--force]
// [--from-npm] [--no-build]`), messages prefixed with the command's name, running a tool, and
// the small file helpers for the folder they write.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';

/**
 * The command's messages and its way of running a tool.
 * @param {string} name the command, as messages start with it (`make-service`)
 */
export function createCommand(name) {
  const step = (message) => console.log(`${name}: ${message}`);
  /** @returns {never} */
  const fail = (message, code = 1) => {
    console.error(`${name}: ${message}`);
    process.exit(code);
  };
  /** Runs a tool, failing the command when it fails; `quiet` shows its output only then. */
  const run = (command, args, cwd, { quiet = false } = {}) => {
    // pnpm is a .cmd on Windows, which only a shell starts.
    const result = spawnSync(command, args, {
      cwd,
      stdio: quiet ? 'pipe' : 'inherit',
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    if (result.status !== 0) {
      if (quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
      fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    }
  };
  /**
   * `<out-dir> [--force] [--from-npm] [--no-build]`; prints the usage for --help.
   * @param {string} what the folder, as "name <what>" says it when it is missing
   */
  const parseArgs = (args, usage, what) => {
    const parsed = { outDir: undefined, force: false, fromNpm: false, build: true };
    for (const arg of args) {
      if (arg === '--force') parsed.force = true;
      else if (arg === '--from-npm') parsed.fromNpm = true;
      else if (arg === '--no-build') parsed.build = false;
      else if (arg === '--help' || arg === '-h') {
        console.log(usage);
        process.exit(0);
      } else if (arg.startsWith('-')) fail(`unknown option ${arg}\n\n${usage}`, 2);
      else if (parsed.outDir === undefined) parsed.outDir = arg;
      else fail(`one <out-dir> only (got ${parsed.outDir} and ${arg})\n\n${usage}`, 2);
    }
    if (parsed.outDir === undefined) fail(`name ${what}\n\n${usage}`, 2);
    return parsed;
  };
  return { step, fail, run, parseArgs };
}

/** Whether `child` is `parent` or inside it. */
export function isInside(child, parent) {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
}

/** A path as a shell takes it: quoted when it holds spaces or shell characters. */
export function quote(path) {
  return /[\s"'$`\\]/.test(path) ? JSON.stringify(path) : path;
}

/** The record with its keys in order, as npm writes dependencies. */
export function sorted(record) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

#!/usr/bin/env node
// Makes sure Debian's Chromium is at /usr/bin/chromium for the real-browser tests
// (Playwright cannot download its own browsers on these machines). Installs it with
// apt-get when missing; prints what to do when that is not possible.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH as CHROMIUM } from './chromium.mjs';

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing: installing Debian's chromium (about 20 s, once)...`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = root ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync(args[0], args.slice(1), { stdio: 'inherit', env }).status === 0;
  const ok =
    run([...sudo, 'apt-get', 'install', '-y', '-q', 'chromium']) ||
    (run([...sudo, 'apt-get', 'update', '-q']) &&
      run([...sudo, 'apt-get', 'install', '-y', '-q', 'chromium']));
  if (!ok || !existsSync(CHROMIUM)) {
    console.error(
      `Could not install chromium. Install it yourself (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.`,
    );
    process.exit(1);
  }
}

#!/usr/bin/env node
// Builds the workspace's packages (core first, then those that use it).
//   node scripts/build-packages.mjs
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const result = spawnSync('pnpm', ['--filter', './packages/**', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);

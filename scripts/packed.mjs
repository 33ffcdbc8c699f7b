// Packs workspace packages and installs the tarballs into a scratch project with npm,
// as a user would get them. Used by the package tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {string[]} packageDirs workspace package folders, dependencies first
 * @param {string[]} [registryPackages] also installed, from the registry (peers such as `react@17.0.2`)
 * @returns {{ scratch: string, app: string }}
 */
export function installPacked(packageDirs, registryPackages = []) {
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-packed-'));
  const packed = join(scratch, 'packed');
  mkdirSync(packed);
  for (const dir of packageDirs) {
    execFileSync('pnpm', ['pack', '--pack-destination', packed], { cwd: dir, stdio: 'pipe' });
  }
  const app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  const tarballs = readdirSync(packed).map((file) => join(packed, file));
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...tarballs,
      ...registryPackages,
    ],
    {
      cwd: app,
      stdio: 'pipe',
    },
  );
  return { scratch, app };
}

// The examples and the READMEs tell an admin which versions to install. They must accept the
// versions the next `pnpm release` publishes (the pending changesets applied to today's
// versions), or the admin's `npm install` fails the day the packages are released.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { nextVersions, promisedRanges, rangeProblems } from '../release-ranges.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the versions the next release publishes', () => {
  it('are accepted by every range the examples and the READMEs give', async () => {
    const versions = await nextVersions(root);
    expect([...versions.keys()]).toEqual([
      '@stickycalls/core',
      '@stickycalls/fetch-adapter',
      '@stickycalls/flex-react',
      '@stickycalls/twilio-function-adapter',
    ]);
    expect(rangeProblems(root, versions)).toEqual([]);
  });

  it('are checked against the ranges users copy: both examples and the root README', () => {
    const where = promisedRanges(root).map((range) => `${range.where.split(/[ :]/)[0]} ${range.name}`);
    expect(where).toEqual(
      expect.arrayContaining([
        'examples/twilio-serverless/package.json @stickycalls/twilio-function-adapter',
        'examples/twilio-serverless/package.json @stickycalls/core',
        'examples/flex-plugin/package.json @stickycalls/flex-react',
        'README.md @stickycalls/…',
      ]),
    );
  });
});

describe('rangeProblems', () => {
  const same = (version) =>
    new Map([
      ['@stickycalls/core', version],
      ['@stickycalls/flex-react', version],
      ['@stickycalls/twilio-function-adapter', version],
    ]);

  it('refuses a version the ranges do not accept, naming the file and the fix', async () => {
    const next = semver.inc((await nextVersions(root)).get('@stickycalls/flex-react'), 'major');
    const problems = rangeProblems(root, same(next)).join('\n');
    expect(problems).toContain(
      'examples/flex-plugin/package.json (dependencies) asks for @stickycalls/flex-react@',
    );
    expect(problems).toContain(
      `does not accept ${next} (the version the release publishes): write ^${next}.`,
    );
  });

  it('refuses packages released with different versions', () => {
    const versions = same('0.1.0');
    versions.set('@stickycalls/core', '0.1.1');
    expect(rangeProblems(root, versions)[0]).toMatch(/must share one version/);
  });
});

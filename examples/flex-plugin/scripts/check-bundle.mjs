// Checks the built plugin (build/plugin-sticky-calls.js) and prints its size.
//
// - it exists and registers the Sticky Calls panel (`sticky-calls-panel`) through Flex's
//   plugin loader (`Plugins.init`);
// - React, ReactDOM and Flex UI are not in it (Flex supplies them: a second React would
//   break hooks), and `react` is taken from the page's `React`;
// - no build-time placeholder is left (`__FPB_*`, `process.env.FLEX_APP_*`).
//
// Usage: node scripts/check-bundle.mjs [bundle]

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundlePath = process.argv[2] ?? join(root, 'build', 'plugin-sticky-calls.js');
const name = relative(process.cwd(), bundlePath);
const flexVersion = JSON.parse(
  readFileSync(join(root, 'node_modules', '@twilio', 'flex-ui', 'package.json'), 'utf8'),
).version;

if (!existsSync(bundlePath)) {
  console.error(`${name} does not exist: run the build first.`);
  process.exit(1);
}
const code = readFileSync(bundlePath, 'utf8');
const failures = [];
const expect = (ok, message) => {
  if (!ok) failures.push(message);
};
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

expect(code.length > 0, 'the bundle is empty');
expect(code.includes('sticky-calls-panel'), 'no `sticky-calls-panel`: the registration is not in the bundle');
expect(code.includes('registerCallerContext'), 'no `registerCallerContext` in the bundle');
expect(code.includes('Plugins.init'), 'no `Plugins.init`: the plugin is never handed to Flex');

// React and ReactDOM: external, taken from the page.
expect(
  !code.includes('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED'),
  'React or ReactDOM is bundled (`__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED`)',
);
expect(
  !code.includes('reactjs.org/docs/error-decoder'),
  "React's production code is bundled (error decoder URL)",
);
expect(
  !/__reactFiber|__reactContainer|__reactInternalInstance/.test(code),
  "ReactDOM's code is bundled (`__reactFiber` / `__reactContainer`)",
);
expect(/exports\s*=\s*React\b/.test(code), '`react` is not mapped to the external `React`');
expect(!/exports\s*=\s*require\(["']react["']\)/.test(code), '`react` is left as a require()');

// Flex UI: never bundled; at most the shim that reads window.Twilio.Flex.
expect(
  !new RegExp(`VERSION\\s*=\\s*["']${escapeRegExp(flexVersion)}["']`).test(code),
  `Flex UI ${flexVersion} is bundled`,
);
expect(code.length < 1024 * 1024, 'the bundle is over 1 MB: something the page provides got in');

// Build-time values all replaced.
expect(!code.includes('__FPB_'), 'a `__FPB_*` build constant was not replaced (FlexPlugin would throw)');
expect(
  !/process\.env\.(FLEX|REACT)_APP_/.test(code),
  'a `process.env.FLEX_APP_*` reference was not replaced',
);

const raw = Buffer.byteLength(code);
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const saveUrl = /saveContextUrl:\s*"([^"]+)"/.exec(code)?.[1];
const unset = /\.FLEX_APP_SAVE_CONTEXT_URL\b/.test(code);

if (failures.length > 0) {
  console.error(`${name}: ${failures.length} check(s) failed:`);
  for (const failure of failures) console.error(`  - ${failure}`);
  process.exit(1);
}
console.log(`${name}: ok (registration present; React, ReactDOM and Flex UI external)`);
console.log(`  size: ${kb(raw)} raw, ${kb(gzipped)} gzipped`);
const none = 'none (FLEX_APP_SAVE_CONTEXT_URL unset: panel only, no wrap-up)';
console.log(`  save URL: ${saveUrl ?? (unset ? none : 'set, but not found as a literal')}`);

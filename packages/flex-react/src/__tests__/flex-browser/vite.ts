/**
 * What the real-Chromium tests need so that `@twilio/flex-ui` 2.17.1 loads in the page
 * (`vitest.browser.config.ts` spreads these in). Flex ships one CommonJS/UMD bundle with
 * some 240 external `require`s; Vite pre-bundles it with everything it requires into
 * one ES module (`optimizeDeps.include`), once, cached in `node_modules/.vite`.
 */
import { createRequire } from 'node:module';
import type { ViteUserConfig } from 'vitest/config';

type VitePlugin = Extract<NonNullable<ViteUserConfig['plugins']>[number], { name: string }>;

const require = createRequire(import.meta.url);

/**
 * The resolve conditions of a browser build (Vite's `defaultClientConditions`), after our
 * own. The shared config lists only `@stickycalls/source`, which replaces Vite's defaults:
 * without `browser`, Flex's dependencies resolve to their Node builds (`ws` for
 * `@twilio/flex-sdk` and TaskRouter, `Buffer` at load) and Flex does not load.
 */
export const BROWSER_CONDITIONS = ['module', 'browser', 'development|production'] as const;

/**
 * `@twilio-paste/theme` 8.4 (bundled by Flex through `@twilio-paste/core` 15.3.1) imports
 * the token files of its evergreen, twilio and twilio-dark themes, which the workspace's
 * `@twilio-paste/design-tokens` 8.1.0 does not have. Flex never picks those themes (its
 * provider asks Paste for "default" or "dark"), so they resolve to 8.1.0's default token
 * set, as the jsdom runtime does (`flex-runtime/load.ts`).
 */
export const flexBrowserAliases = [
  {
    find: /^@twilio-paste\/design-tokens\/dist\/themes\/(?:evergreen|twilio|twilio-dark)\/tokens\.(?:es6|common)$/,
    replacement: require
      .resolve('@twilio-paste/design-tokens')
      .replace(/tokens\.common\.js$/, 'tokens.es6.js'),
  },
];

/** The pre-bundled Flex, as Vite serves it from its dependency cache. */
const PREBUNDLED_FLEX = /\/deps\/@twilio_flex-ui\.js(?:\?|$)/;

/**
 * Keeps the pre-bundled Flex (27 MB) out of two costly steps of every run:
 * - Vitest's browser runner rewrites each `import(…)` of a module it serves, so that
 *   `vi.mock` can reach dynamic imports; for Flex that is a full parse of 27 MB (about
 *   50 s here), and no test mocks what Flex imports dynamically (Datadog's recorder,
 *   Segment's fetch fallback). The runner skips code that already mentions its
 *   `wrapDynamicImport`: a comment at the end says so without moving any code.
 * - Vite inlines the module's source map into what it serves: 57 MB more for the browser
 *   to download, for stack frames inside Flex's own minified bundle. An empty map drops it.
 * Together they bring loading Flex in the page from about 3 minutes to under 15 seconds.
 */
export const flexBrowserPlugin: VitePlugin = {
  name: 'stickycalls:prebundled-flex',
  transform(code: string, id: string) {
    if (!PREBUNDLED_FLEX.test(id)) return undefined;
    return { code: `${code}\n/* wrapDynamicImport: not needed for Flex */\n`, map: { mappings: '' } };
  },
};

import { defineConfig } from 'vitest/config';

// Builds of the plugin outside the unit suite (`pnpm test:package`, after `pnpm build`): the
// repository's build refusing a save URL the plugin cannot use, and `npm run make:plugin`'s
// folder installed from the npm registry and built with the Flex Plugins CLI. They write
// only to the system's temporary folder.
export default defineConfig({
  test: {
    name: 'example-flex-plugin-package',
    include: ['test/**/*.test.mjs'],
    environment: 'node',
    testTimeout: 60_000,
    // Removing the installed plugin folder (about 1,600 packages) took over a minute on a
    // loaded CI machine.
    hookTimeout: 300_000,
  },
});

import { defineConfig } from 'vitest/config';

// The reliability and security suite. Each file is one category; the node files run in
// Node, the ones rendering React declare `@vitest-environment jsdom`. The global set-up
// checks the builds exist, and at the end prints and records one line per category.
export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  // Classic JSX, as flex-react's own tests (its fake Flex is reused here).
  oxc: { jsx: { runtime: 'classic' } },
  test: {
    name: 'reliability',
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    globalSetup: ['src/global-setup.ts'],
    setupFiles: ['src/setup.ts'],
    testTimeout: 15_000,
  },
});

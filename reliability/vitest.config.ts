import { defineConfig } from 'vitest/config';

// The reliability and security suite. Each file is one category; the node files run in
// Node, the ones rendering React (and Flex's own runtime, through flex-react's harness)
// declare `@vitest-environment jsdom`. The global set-up checks the builds exist, and at
// the end prints one line per category; `pnpm --filter @stickycalls/reliability results`
// also records them in RESULTS.md.
export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  // Classic JSX, as flex-react's own tests (its Flex runtime harness is reused here).
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

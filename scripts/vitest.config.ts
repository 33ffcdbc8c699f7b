import { defineConfig } from 'vitest/config';

// The repository's own tooling: what `pnpm release` checks before it publishes.
export default defineConfig({
  test: {
    name: 'scripts',
    include: ['test/**/*.test.mjs'],
    environment: 'node',
  },
});

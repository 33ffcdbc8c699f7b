import { defineConfig } from 'vitest/config';

// Tests of the built and packed package: run after `build`, outside the unit suite.
export default defineConfig({
  test: {
    name: 'fetch-adapter-package',
    include: ['test/package/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});

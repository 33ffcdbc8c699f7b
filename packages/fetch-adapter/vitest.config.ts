import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  test: {
    name: 'fetch-adapter',
    include: ['src/**/__tests__/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

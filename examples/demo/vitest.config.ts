import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  test: {
    name: 'example-demo',
    include: ['src/**/__tests__/**/*.test.ts'],
    environment: 'node',
  },
});

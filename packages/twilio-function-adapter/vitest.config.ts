import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  test: {
    name: 'twilio-function-adapter',
    include: ['src/**/__tests__/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/__tests__/setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  test: {
    name: 'core',
    include: ['src/**/__tests__/**/*.test.ts'],
    environment: 'node',
    typecheck: { enabled: true, include: ['src/**/__tests__/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'packages/flex-react/vitest.react18.config.ts',
      'packages/flex-react/vitest.flex.config.ts',
      'examples/*/vitest.config.ts',
      'reliability/vitest.config.ts',
      'scripts/vitest.config.ts',
    ],
  },
});

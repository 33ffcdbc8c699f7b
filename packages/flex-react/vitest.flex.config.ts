import { defineConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// Tests against Flex's own runtime, @twilio/flex-ui 2.17.1, in jsdom with React 17 (the
// React Flex 2.x runs). Flex loads once per test file (about 3.5 s): see
// src/__tests__/flex-runtime/load.ts for the shims it needs here.
export default defineConfig({
  ...sharedConfig,
  test: {
    name: 'flex-react (Flex runtime)',
    include: ['src/**/*.flex.test.tsx'],
    environment: 'jsdom',
    setupFiles: ['./src/__tests__/flex-runtime/setup.ts'],
    testTimeout: 10_000,
  },
});

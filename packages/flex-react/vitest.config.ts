import { defineConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// Component and unit tests in jsdom with React 17, the React that Flex 2.x runs.
export default defineConfig({
  ...sharedConfig,
  test: {
    name: 'flex-react (React 17)',
    include: ['src/**/__tests__/**/*.test.{ts,tsx}'],
    exclude: ['src/**/__tests__/**/*.browser.test.tsx', 'src/**/*.flex.test.tsx'],
    environment: 'jsdom',
    setupFiles: ['./src/__tests__/setup.ts'],
    typecheck: { enabled: true, include: ['src/**/__tests__/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// The same component tests with React 18 and Testing Library 16. They come from
// test/react18, a package of their own, so that react-dom and Testing Library resolve
// React 18 there; the aliases point this package's imports at the same copies.
const react18 = createRequire(join(import.meta.dirname, 'test/react18/package.json'));
const packageDir = (name: string) => dirname(react18.resolve(`${name}/package.json`));

export default defineConfig({
  ...sharedConfig,
  resolve: {
    ...sharedConfig.resolve,
    alias: [
      { find: /^react$/, replacement: react18.resolve('react') },
      { find: /^react\/(.*)$/, replacement: `${packageDir('react')}/$1` },
      { find: /^react-dom$/, replacement: react18.resolve('react-dom') },
      { find: /^react-dom\/(.*)$/, replacement: `${packageDir('react-dom')}/$1` },
      { find: /^@testing-library\/react$/, replacement: react18.resolve('@testing-library/react') },
    ],
  },
  test: {
    name: 'flex-react (React 18)',
    include: ['src/**/__tests__/**/*.test.tsx'],
    exclude: ['src/**/__tests__/**/*.browser.test.tsx', 'src/**/*.flex.test.tsx'],
    environment: 'jsdom',
    setupFiles: ['./src/__tests__/setup.ts'],
  },
});

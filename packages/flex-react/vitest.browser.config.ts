import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import { sharedConfig } from './vitest.shared.js';

// The panel and the wrap-up capture in a real Chromium (Debian's, installed by
// scripts/ensure-chromium.mjs), with React 17. `pnpm screenshots` also saves the
// README's screenshots into docs/screenshots.
const screenshots = process.env.STICKY_CALLS_SCREENSHOTS ?? '';

export default defineConfig({
  ...sharedConfig,
  define: {
    __SCREENSHOTS__: JSON.stringify(screenshots === '' ? '' : resolve(import.meta.dirname, screenshots)),
  },
  optimizeDeps: { include: ['react', 'react-dom', '@testing-library/react', 'axe-core'] },
  test: {
    name: 'flex-react (Chromium)',
    include: ['src/**/__tests__/**/*.browser.test.tsx'],
    setupFiles: ['./src/__tests__/setup.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
      }),
      instances: [{ browser: 'chromium', viewport: { width: 1024, height: 900 } }],
    },
  },
});

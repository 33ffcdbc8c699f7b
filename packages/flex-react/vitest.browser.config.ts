import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import {
  BROWSER_CONDITIONS,
  flexBrowserAliases,
  flexBrowserPlugin,
} from './src/__tests__/flex-browser/vite.js';
import { sharedConfig } from './vitest.shared.js';

// The panel and the wrap-up capture in a real Chromium (Debian's, installed by
// scripts/ensure-chromium.mjs), with React 17. `pnpm screenshots` also saves the
// README's screenshots into docs/screenshots. The real `@twilio/flex-ui` loads in the
// page too, for its theme provider: see src/__tests__/flex-browser/vite.ts for what that
// takes (Vite pre-bundles it once per change of this config or the lockfile, cached in
// node_modules/.vite; then each run loads it in about 10 seconds).
const screenshots = process.env.STICKY_CALLS_SCREENSHOTS ?? '';

export default defineConfig({
  ...sharedConfig,
  resolve: {
    conditions: [...sharedConfig.resolve.conditions, ...BROWSER_CONDITIONS],
    alias: flexBrowserAliases,
  },
  plugins: [flexBrowserPlugin],
  define: {
    __SCREENSHOTS__: JSON.stringify(screenshots === '' ? '' : resolve(import.meta.dirname, screenshots)),
  },
  optimizeDeps: {
    include: ['react', 'react-dom', '@testing-library/react', 'axe-core', '@twilio/flex-ui'],
  },
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

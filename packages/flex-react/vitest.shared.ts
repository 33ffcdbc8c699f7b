import type { ViteUserConfig } from 'vitest/config';

/** Resolution and JSX settings every flex-react test project shares. */
export const sharedConfig = {
  resolve: { conditions: ['@stickycalls/source'] },
  ssr: { resolve: { conditions: ['@stickycalls/source'] } },
  // Classic JSX, as the published build: React.createElement, no react/jsx-runtime.
  oxc: { jsx: { runtime: 'classic' } },
} satisfies ViteUserConfig;

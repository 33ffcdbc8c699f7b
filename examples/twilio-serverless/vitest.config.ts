import { defineConfig } from 'vitest/config';

// The Functions are required as the runtime requires them, so the packages resolve to
// their built CommonJS (no source condition here): run after `build`.
export default defineConfig({
  test: {
    name: 'example-twilio-serverless',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});

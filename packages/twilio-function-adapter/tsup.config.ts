import { defineConfig } from 'tsup';

// Twilio Functions load handlers with require(): the CommonJS build is the one that
// runs there. The core is a dependency, not bundled, so one copy serves every Function.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/taskrouter': 'src/testing/taskrouter.ts',
  },
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: false,
  external: ['@stickycalls/core', 'twilio-flex-token-validator', 'msw', /^msw\//],
});

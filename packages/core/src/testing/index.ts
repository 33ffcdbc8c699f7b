/**
 * Test tools: an emulator of the Sticky Calls API and a loopback HTTP server for it.
 * The msw handlers are at `@stickycalls/core/testing/msw`.
 */
export {
  createEmulator,
  type EmulatedCustomer,
  type Emulator,
  type EmulatorOptions,
  type Fault,
  type FaultScope,
  type RecordedRequest,
} from './emulator.js';
export { type EmulatorServer, type EmulatorServerOptions, startEmulatorServer } from './server.js';

/** The API key the emulator accepts by default. */
export const EMULATOR_API_KEY = 'sk_test_emulator';

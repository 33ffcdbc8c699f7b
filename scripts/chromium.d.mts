/** The Chromium binary: `CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH: string;
/** Launch flags for headless runs on the project's machines. */
export const CHROMIUM_ARGS: readonly string[];

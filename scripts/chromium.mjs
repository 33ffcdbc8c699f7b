// Where the real-browser tests and the demo's --once find Chromium (Debian's, installed by
// ensure-chromium.mjs), and the flags it needs on these machines: headless as root, and no
// background connections (the network is closed; Chromium would retry them at every start).
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Loaded with --require into the twilio-run of the demo, the benchmark and the reliability
// suite: twilio-run listens on every network interface (`app.listen(port)`), and these
// Functions must answer this machine only (with a real key, anyone on the network could
// otherwise read callers' context).
// A listen that names no host is given 127.0.0.1.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (
    (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) &&
    typeof second !== 'string'
  ) {
    args.splice(1, 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && first.host === undefined && first.path === undefined) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

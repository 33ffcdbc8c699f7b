// One cold start, in a fresh Node process: load a Function file as the runtime does
// (require, then exports.handler) and serve its first invocation against the emulator.
// Prints the milliseconds from before the require to the callback, the peak memory and
// the CPU time, then exits (the
// platform stops a Function once it has called back). Both handlers get the same
// context, event and a silent console: the guide's logs its errors.
const { Console } = require('node:console');
const { Writable } = require('node:stream');

const [file, baseUrl, apiKey] = process.argv.slice(2);
globalThis.console = new Console(new Writable({ write: (_chunk, _encoding, done) => done() }));
class Response {
  constructor() {
    this.statusCode = 200;
    this.headers = {};
    this.body = undefined;
  }
  setStatusCode(code) {
    this.statusCode = code;
    return this;
  }
  setBody(body) {
    this.body = body;
    return this;
  }
  appendHeader(name, value) {
    this.headers[name] = value;
    return this;
  }
  setHeaders(headers) {
    this.headers = headers;
    return this;
  }
}
globalThis.Twilio = { Response };
const context = {
  ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  AUTH_TOKEN: 'bench',
  DOMAIN_NAME: 'localhost',
  PATH: '/caller-context',
  STICKY_CALLS_API_KEY: apiKey,
  STICKY_CALLS_BASE_URL: baseUrl,
  getTwilioClient() {
    throw new Error('not in the benchmark');
  },
};
const sid = `CA${process.pid.toString(16).padStart(32, '0')}`;
const event = { CallSid: sid, From: '+14155550123', To: '+18005550100' };

const started = process.hrtime.bigint();
const { handler } = require(file);
handler(context, event, (error, answer) => {
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  // A context served, not a fallback: ours answers a Response whose body holds `sticky_calls`,
  // the guide's a plain object whose customer_ref is '' when it failed.
  let body = answer instanceof Response ? answer.body : answer;
  if (typeof body === 'string') body = JSON.parse(body);
  const ok =
    !error &&
    body !== null &&
    typeof body === 'object' &&
    (body.sticky_calls
      ? body.sticky_calls.status === 'ok'
      : typeof body.customer_ref === 'string' && body.customer_ref !== '');
  // The process's peak memory and CPU (every thread's, compilers' included) up to its answer.
  const usage = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      elapsed,
      ok: Boolean(ok),
      peakRssMb: usage.maxRSS / 1024,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    }),
  );
  process.exit(0);
});

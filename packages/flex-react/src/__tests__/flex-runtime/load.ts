/**
 * Loads Flex's own runtime, `@twilio/flex-ui` 2.17.1 (an 8 MB UMD bundle), into a jsdom
 * test file, offline and without a Flex account. The module is cached: importing it
 * takes about 3.5 s, so a test file loads it once (in `beforeAll`) and shares it.
 *
 * Only what Flex needs to evaluate in jsdom is shimmed; each shim says why. Vitest 4's
 * jsdom environment already defines `self` (the UMD wrapper's global), so that needs no
 * shim. `Manager.create` still cannot work: it logs in to Twilio.
 */
import Module from 'node:module';

export type FlexModule = typeof import('@twilio/flex-ui');

// ---------------------------------------------------------------------------
// Shims

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
interface ModuleWithResolver {
  _resolveFilename: ResolveFilename;
}

/** The theme token files that `@twilio-paste/theme` 8.4 requires and design-tokens 8.1.0 lacks. */
const MISSING_THEME_TOKENS =
  /^@twilio-paste\/design-tokens\/dist\/themes\/(?:evergreen|twilio|twilio-dark)\/tokens\.common$/;

let shimsInstalled = false;

/**
 * Installs the shims Flex needs in jsdom. Idempotent. The project's setup file calls it,
 * and so does `loadFlex`.
 */
export function installFlexShims(): void {
  if (shimsInstalled) return;
  shimsInstalled = true;

  // Paste's theme package (8.4.0, bundled by Flex through @twilio-paste/core) requires
  // `@twilio-paste/design-tokens/dist/themes/{evergreen,twilio,twilio-dark}/tokens.common`
  // when it loads. The workspace pins design-tokens 8.1.0, which has no such files, so
  // Node's `require` fails and Flex does not load. When (and only when) one of these
  // three cannot be resolved, resolve it to 8.1.0's default token set: the same shape
  // Paste builds its default theme from in that very module. Flex is loaded by Node's
  // own `require` (Vitest externalises it), so a Vite `resolve.alias` would not reach
  // this request.
  const loader = Module as unknown as ModuleWithResolver;
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function resolveFilename(this: unknown, request: string, ...rest: unknown[]) {
    try {
      return resolve.call(this, request, ...rest);
    } catch (error) {
      if (!MISSING_THEME_TOKENS.test(request)) throw error;
      return resolve.call(this, '@twilio-paste/design-tokens', ...rest);
    }
  };

  // jsdom does not implement media playback: its `play()` logs "not implemented" and
  // returns undefined. Flex's sound setup calls `play().then(…)` while it loads, and
  // `pause()` (which only logs "not implemented") when it stops a sound.
  HTMLMediaElement.prototype.play = () => Promise.resolve();
  HTMLMediaElement.prototype.pause = () => undefined;

  // Flex's CountryManager fetches countries.json and flagPositions.json from
  // assets.flex.twilio.com as soon as it loads. There is no network here: answer those
  // with the rejection an offline browser gives, and pass every other request through.
  const fetchBefore = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url, 'http://localhost/').hostname === 'assets.flex.twilio.com')
      return Promise.reject(new TypeError(`Failed to fetch ${url} (no network in tests)`));
    return fetchBefore(input, init);
  };
}

// ---------------------------------------------------------------------------
// Loading

let loading: Promise<FlexModule> | undefined;
let loaded: FlexModule | undefined;

/** The real `@twilio/flex-ui` module, loaded once per test file (about 3.5 s). */
export function loadFlex(): Promise<FlexModule> {
  installFlexShims();
  loading ??= import('@twilio/flex-ui').then((flex) => {
    // Flex compiles its UI strings (`templates`, e.g. the notification action's
    // aria-label) when its RootContainer mounts or `Manager.create` runs; neither
    // happens here. `ChatConfig.setConfig` runs the same compilation of the default
    // language, so the real NotificationBar and `Template`s can render.
    if (Object.keys(flex.templates).length === 0) flex.ChatConfig.setConfig({});
    loaded = flex;
    return flex;
  });
  return loading;
}

/** The module `loadFlex` loaded; throws when it has not been loaded in this file yet. */
export function loadedFlex(): FlexModule {
  if (loaded === undefined) throw new Error('Flex is not loaded yet: await loadFlex() first (in beforeAll)');
  return loaded;
}

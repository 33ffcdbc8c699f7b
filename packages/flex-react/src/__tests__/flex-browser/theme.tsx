/**
 * Renders anything inside Flex's own theme provider, light or dark, in the real-Chromium
 * tests: the real `@twilio/flex-ui` 2.17.1, loaded into the page by Vite (see `vite.ts`
 * for what that needs).
 *
 * Flex has one theme provider, `StorelessThemeProvider` (exported by `@twilio/flex-ui`).
 * In a running instance `RootContainer` renders `ThemeProvider`, which is that same
 * component connected to the Redux store: it passes `config.theme` (or the deprecated
 * `config.colorTheme`) as `themeConf` and nothing else. Given `themeConf`, the provider
 * builds Flex's theme with `createTheme({ tokens }, isLight)` (Paste's default tokens,
 * or Paste's dark tokens when `isLight` is false) and renders, outermost first:
 * JSS's provider, Material UI's theme provider, emotion's `ThemeProvider` with Flex's
 * theme (what `withTheme` and `useTheme` from `@twilio/flex-ui` read), and Paste's
 * `CustomizationProvider` with `baseTheme` "default" or "dark" and Flex's tokens (what
 * Paste components read; it also sets Paste's global styles, such as the body's
 * background, and wraps the children in a `.paste-theme-provider` element). No store,
 * no Manager and no Twilio session are needed, so the harness renders it directly.
 *
 * To read the theme, use Flex's `withTheme` (emotion's, re-exported) or its `styled`:
 * `@twilio/flex-ui` 2.17.1 does not export `useTheme`, in its types or at run time. Paste
 * components inside Flex read Paste's own theme through the emotion copy Paste bundles
 * (11.7), a context separate from Flex's (11.14): Flex's theme does not carry Paste's
 * top-level `backgroundColors`, only its own `tokens.backgroundColors`.
 */
import { type RenderResult, render } from '@testing-library/react';
import * as React from 'react';

export type FlexModule = typeof import('@twilio/flex-ui');

/** Light is Flex's default; dark is `config.theme.isLight: false`. */
export type FlexThemeMode = 'light' | 'dark';

/** What an admin can put in `config.theme` besides `isLight`. */
type ThemeConf = React.ComponentProps<FlexModule['StorelessThemeProvider']>['themeConf'];

let loading: Promise<FlexModule> | undefined;
let loaded: FlexModule | undefined;

/**
 * Loads `@twilio/flex-ui` into the page once per test file and returns it. Call it in
 * `beforeAll` with a long timeout: evaluating Flex takes seconds (see the config).
 */
export function loadFlexInBrowser(): Promise<FlexModule> {
  loading ??= import('@twilio/flex-ui').then((flex) => {
    loaded = flex;
    return flex;
  });
  return loading;
}

/** The module `loadFlexInBrowser` loaded; throws when it has not been loaded yet. */
export function loadedFlex(): FlexModule {
  if (loaded === undefined)
    throw new Error('Flex is not loaded yet: await loadFlexInBrowser() first (in beforeAll)');
  return loaded;
}

export interface FlexThemeProps {
  mode: FlexThemeMode;
  /** Token overrides, as an admin sets them in `config.theme.tokens`. */
  tokens?: ThemeConf['tokens'];
  children?: React.ReactNode;
}

/** Wraps its children in Flex's own theme provider, as Flex configured light or dark. */
export function FlexTheme({ mode, tokens, children }: FlexThemeProps): React.ReactElement {
  const { StorelessThemeProvider } = loadedFlex();
  // The provider writes into the object it is given (defaults, merged overrides):
  // a fresh one per render, as Flex's store hands it a fresh `config.theme`.
  const themeConf: ThemeConf = { isLight: mode === 'light', ...(tokens ? { tokens } : {}) };
  return <StorelessThemeProvider themeConf={themeConf}>{children}</StorelessThemeProvider>;
}

/** `render` from Testing Library, inside Flex's theme provider (`rerender` keeps it). */
export function renderInFlexTheme(element: React.ReactElement, mode: FlexThemeMode): RenderResult {
  const wrapper = ({ children }: { children?: React.ReactNode }) => (
    <FlexTheme mode={mode}>{children}</FlexTheme>
  );
  return render(element, { wrapper });
}

/**
 * Flex's own theme provider, from the real `@twilio/flex-ui` 2.17.1, in Chromium: light
 * (Flex's default) and dark (`config.theme.isLight: false`). These pin what the harness
 * in `flex-browser/theme.tsx` gives the tests that render our components inside it, and
 * where Flex's theme keeps Paste's tokens (`theme.tokens.backgroundColors` etc.), which
 * our components read through Flex's `withTheme`.
 */
import { cleanup, render, screen } from '@testing-library/react';
import type { Theme } from '@twilio/flex-ui';
import * as pasteLight from '@twilio-paste/design-tokens';
import * as pasteDark from '@twilio-paste/design-tokens/dist/themes/dark/tokens.es6';
import * as React from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlexTheme, type FlexThemeMode, loadedFlex, loadFlexInBrowser } from './flex-browser/theme.js';

afterEach(() => cleanup());

beforeAll(async () => {
  await loadFlexInBrowser();
}, 180_000);

const PASTE = { light: pasteLight, dark: pasteDark } as const;
const MODES: readonly FlexThemeMode[] = ['light', 'dark'];

/** The theme Flex's own `withTheme` hands to a component inside the provider. */
function themeSeenInside(mode: FlexThemeMode): Theme {
  const { withTheme } = loadedFlex();
  let seen: Theme | undefined;
  const Probe = withTheme(({ theme }: { theme?: Theme }) => {
    seen = theme;
    return null;
  });
  render(
    <FlexTheme mode={mode}>
      <Probe />
    </FlexTheme>,
  );
  cleanup();
  if (seen === undefined) throw new Error('withTheme gave no theme');
  return seen;
}

describe("Flex's theme provider in Chromium", () => {
  for (const mode of MODES) {
    it(`hands Paste's ${mode} colour tokens to withTheme, under theme.tokens`, () => {
      const theme = themeSeenInside(mode);
      expect(theme.isLight).toBe(mode === 'light');
      const paste = PASTE[mode];
      // Flex's theme carries Paste's tokens verbatim, by group (plus a few of its own).
      expect(theme.tokens.backgroundColors).toMatchObject(paste.backgroundColors);
      expect(theme.tokens.textColors).toMatchObject(paste.textColors);
      expect(theme.tokens.borderColors).toMatchObject(paste.borderColors);
    });
  }

  it('gives light and dark different backgrounds and text', () => {
    const light = themeSeenInside('light').tokens;
    const dark = themeSeenInside('dark').tokens;
    expect(light.backgroundColors.colorBackgroundBody).toBe('rgb(255, 255, 255)');
    expect(dark.backgroundColors.colorBackgroundBody).toBe('rgb(13, 19, 28)');
    expect(light.textColors.colorText).toBe('rgb(18, 28, 45)');
    expect(dark.textColors.colorText).toBe('rgb(244, 244, 246)');
  });

  for (const mode of MODES) {
    it(`paints Flex's own components and Paste's page styles ${mode}`, () => {
      const flex = loadedFlex();
      const paste = PASTE[mode];
      const { container } = render(
        <FlexTheme mode={mode}>
          <flex.Tabs selectedTabName="caller">
            <flex.Tab uniqueName="caller" label="Caller">
              <p>inside the tab</p>
            </flex.Tab>
            <flex.Tab uniqueName="info" label="Info">
              <p>info</p>
            </flex.Tab>
          </flex.Tabs>
        </FlexTheme>,
      );
      // Flex's Tabs (where the panel sits when it is a task canvas tab) draws its label
      // strip from Flex's emotion theme.
      const labels = container.querySelector('.Twilio-Tabs-Labels');
      if (labels === null) throw new Error("Flex's Tabs rendered no label strip");
      expect(getComputedStyle(labels).backgroundColor).toBe(paste.colorBackgroundBody);
      // Paste's provider in Flex's bundle sets the page's background (its global styles)
      // and the text colour of what it wraps (its base styles).
      expect(getComputedStyle(document.body).backgroundColor).toBe(paste.colorBackgroundBody);
      expect(getComputedStyle(screen.getByText('inside the tab')).color).toBe(paste.colorText);
    });
  }

  it('keeps an admin’s token overrides, as config.theme.tokens', () => {
    const { withTheme } = loadedFlex();
    let seen: Theme | undefined;
    const Probe = withTheme(({ theme }: { theme?: Theme }) => {
      seen = theme;
      return null;
    });
    render(
      <FlexTheme mode="dark" tokens={{ backgroundColors: { colorBackgroundBody: 'rgb(1, 2, 3)' } }}>
        <Probe />
      </FlexTheme>,
    );
    expect(seen?.tokens.backgroundColors.colorBackgroundBody).toBe('rgb(1, 2, 3)');
    expect(seen?.tokens.textColors.colorText).toBe(pasteDark.colorText);
    expect(getComputedStyle(document.body).backgroundColor).toBe('rgb(1, 2, 3)');
  });
});

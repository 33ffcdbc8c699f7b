/**
 * StickyCallsTheme on its own, as a plugin that places the components itself uses it:
 * the colours it sets for Flex's light and dark themes and for an admin's own tokens,
 * and what it leaves alone (the layout, the text direction).
 */
import { cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { CallerContextPanel } from '../CallerContextPanel.js';
import { type FlexThemeLike, StickyCallsTheme, themeVariables } from '../theme.js';
import { type ColorToken, colorVariable, DARK_COLORS, LIGHT_COLORS, tokens } from '../tokens.js';
import { returningCaller } from './kit.js';

afterEach(() => cleanup());

const names = Object.keys(LIGHT_COLORS) as ColorToken[];

function scopeOf(theme?: FlexThemeLike | null): HTMLElement {
  const { container } = render(
    <StickyCallsTheme theme={theme}>
      <p>inside</p>
    </StickyCallsTheme>,
  );
  return container.firstElementChild as HTMLElement;
}

describe('StickyCallsTheme', () => {
  it.each<[string, FlexThemeLike | null | undefined]>([
    ['no theme', undefined],
    ['null', null],
    ['an empty theme (withTheme outside a theme provider)', {}],
    ['a light theme', { isLight: true }],
  ])('%s: light, Paste’s light values', (_name, theme) => {
    const scope = scopeOf(theme);
    expect(scope.dataset.stickyCallsTheme).toBe('light');
    expect(scope.style.colorScheme).toBe('light');
    for (const name of names)
      expect(scope.style.getPropertyValue(colorVariable(name))).toBe(LIGHT_COLORS[name]);
  });

  it('a dark theme: Paste’s dark values and a dark colour scheme (native controls, scrollbars)', () => {
    const scope = scopeOf({ isLight: false });
    expect(scope.dataset.stickyCallsTheme).toBe('dark');
    expect(scope.style.colorScheme).toBe('dark');
    for (const name of names)
      expect(scope.style.getPropertyValue(colorVariable(name))).toBe(DARK_COLORS[name]);
  });

  it('takes no room and sets no direction of its own: the page’s right-to-left reaches the components', () => {
    const { container } = render(
      <div dir="rtl">
        <StickyCallsTheme theme={{ isLight: false }}>
          <CallerContextPanel task={{ taskSid: 'WT1', attributes: returningCaller() }} />
        </StickyCallsTheme>
      </div>,
    );
    const scope = container.querySelector('[data-sticky-calls-theme]') as HTMLElement;
    expect(scope.style.display).toBe('contents');
    expect(scope.hasAttribute('dir')).toBe(false);
    expect(scope.style.direction).toBe('');
  });

  it('the components read the variables it sets', () => {
    expect(tokens.colorText).toBe(`var(${colorVariable('colorText')}, ${LIGHT_COLORS.colorText})`);
  });
});

describe('themeVariables', () => {
  it('follows the theme’s own Paste tokens, by group', () => {
    const variables = themeVariables({
      isLight: false,
      tokens: {
        textColors: { colorText: 'rgb(250, 250, 240)', colorTextWeak: '#a0a4b0' },
        backgroundColors: { colorBackgroundBody: ' hsl(220, 30%, 8%) ' },
        borderColors: { colorBorderWeak: 'rgba(57, 71, 98, 0.9)' },
      },
    });
    expect(variables[colorVariable('colorText')]).toBe('rgb(250, 250, 240)');
    expect(variables[colorVariable('colorTextWeak')]).toBe('#a0a4b0');
    expect(variables[colorVariable('colorBackgroundBody')]).toBe('hsl(220, 30%, 8%)');
    expect(variables[colorVariable('colorBorderWeak')]).toBe('rgba(57, 71, 98, 0.9)');
    expect(variables[colorVariable('colorTextErrorStrong')]).toBe(DARK_COLORS.colorTextErrorStrong);
  });

  it.each([
    ['a URL', 'url(https://example.com/pixel.png)'],
    ['another declaration', 'red; background: url(https://example.com/x)'],
    ['another variable', 'var(--elsewhere)'],
    ['an expression', 'expression(alert(1))'],
    ['empty', ''],
    ['a number', 42],
    ['an object', { r: 1 }],
    ['a colour in the wrong group', undefined],
  ])('a token that is no colour (%s) gives way to Paste’s value', (_name, value) => {
    const variables = themeVariables({
      isLight: false,
      tokens: {
        textColors: { colorText: value },
        backgroundColors: { colorText: 'rgb(1, 2, 3)' },
      },
    });
    expect(variables[colorVariable('colorText')]).toBe(DARK_COLORS.colorText);
  });

  it('a theme whose token groups are not objects: Paste’s values', () => {
    const variables = themeVariables({
      isLight: true,
      tokens: { textColors: 'rgb(1, 2, 3)' as unknown as object, backgroundColors: undefined },
    });
    expect(variables[colorVariable('colorText')]).toBe(LIGHT_COLORS.colorText);
  });
});

import * as React from 'react';
import { type ColorToken, colorVariable, DARK_COLORS, LIGHT_COLORS } from './tokens.js';

/**
 * Flex's theme, as `withTheme` (from `@twilio/flex-ui`) gives it and as Flex passes it to
 * what is added to its slots: light or dark, and the Paste tokens Flex built it from
 * (the admin's `config.theme.tokens` included), by group.
 */
export interface FlexThemeLike {
  readonly isLight?: boolean | undefined;
  readonly tokens?:
    | {
        readonly backgroundColors?: object | undefined;
        readonly textColors?: object | undefined;
        readonly borderColors?: object | undefined;
      }
    | undefined;
}

/** Props of {@link StickyCallsTheme}. */
export interface StickyCallsThemeProps {
  /**
   * Flex's theme: the `theme` prop of a component wrapped in Flex's `withTheme`, or
   * `{ isLight: false }` for dark. @default light
   */
  theme?: FlexThemeLike | null | undefined;
  children?: React.ReactNode;
}

const COLOR_NAMES = Object.keys(LIGHT_COLORS) as ColorToken[];

/** The token group of Flex's theme that holds a colour. */
function groupOf(name: ColorToken): 'backgroundColors' | 'textColors' | 'borderColors' {
  if (name.startsWith('colorBackground')) return 'backgroundColors';
  if (name.startsWith('colorBorder')) return 'borderColors';
  return 'textColors';
}

// A colour value and nothing else: no `;`, braces, quotes, `url(` or another variable.
const COLOR_VALUE = /^(?:#[0-9a-f]{3,8}|(?:rgba?|hsla?)\([\d\s.,%/]+\)|[a-z]{3,20})$/i;

/** Whether Flex's theme is dark (Flex itself defaults to light). */
export function isDarkTheme(theme: FlexThemeLike | null | undefined): boolean {
  return theme?.isLight === false;
}

/**
 * The CSS variables of a theme: each colour from Flex's theme tokens where it holds a
 * colour, else Paste's light or dark value.
 */
export function themeVariables(theme: FlexThemeLike | null | undefined): Record<string, string> {
  const fallback = isDarkTheme(theme) ? DARK_COLORS : LIGHT_COLORS;
  const variables: Record<string, string> = {};
  for (const name of COLOR_NAMES) {
    const group = theme?.tokens?.[groupOf(name)] as Readonly<Record<string, unknown>> | undefined;
    const value = group?.[name];
    variables[colorVariable(name)] =
      typeof value === 'string' && COLOR_VALUE.test(value.trim()) ? value.trim() : fallback[name];
  }
  return variables;
}

/**
 * Sets the components' colours from Flex's theme, light or dark, for what it wraps.
 * `registerCallerContext` puts it around the panel and the wrap-up form; wrap them in it
 * when you place them yourself, with the theme Flex gives (`withTheme` from
 * `@twilio/flex-ui`):
 *
 * @example
 * const ThemedPanel = withTheme(({ theme, task }) => (
 *   <StickyCallsTheme theme={theme}>
 *     <CallerContextPanel task={task} />
 *   </StickyCallsTheme>
 * ));
 *
 * It takes no room in the layout (`display: contents`) and sets no direction: the text
 * direction stays the page's (a right-to-left Flex lays the components out right to left).
 */
export function StickyCallsTheme({ theme, children }: StickyCallsThemeProps): React.ReactElement {
  const dark = isDarkTheme(theme);
  const style = {
    display: 'contents',
    colorScheme: dark ? 'dark' : 'light',
    ...themeVariables(theme),
  } as React.CSSProperties;
  return (
    <div data-sticky-calls-theme={dark ? 'dark' : 'light'} style={style}>
      {children}
    </div>
  );
}

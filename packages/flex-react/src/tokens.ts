/**
 * The Paste design tokens the components use. Copied as plain values so the package
 * needs neither Paste nor its theme provider at run time; a test compares each one with
 * `@twilio-paste/design-tokens`.
 *
 * Colours follow the Flex instance's theme: each colour token is a CSS variable with the
 * light value as its fallback (`var(--sticky-calls-color-text, rgb(18, 28, 45))`), still a
 * plain string for inline styles. `StickyCallsTheme` (theme.tsx) sets the variables from
 * the theme Flex provides, light or dark; without it the components are light, as before.
 */

/** Paste's default theme: Flex 2.x's light theme. */
export const LIGHT_COLORS = {
  colorBackgroundBody: 'rgb(255, 255, 255)',
  colorBackground: 'rgb(244, 244, 246)',
  colorBackgroundSuccessWeakest: 'rgb(237, 253, 243)',
  colorBackgroundWarningWeakest: 'rgb(254, 245, 238)',
  colorBackgroundErrorWeakest: 'rgb(254, 236, 236)',
  colorBackgroundNeutralWeakest: 'rgb(235, 244, 255)',
  colorBackgroundPrimary: 'rgb(2, 99, 224)',
  colorBorderWeak: 'rgb(202, 205, 216)',
  colorBorderWeaker: 'rgb(225, 227, 234)',
  colorBorderSuccess: 'rgb(20, 176, 83)',
  colorBorderWarning: 'rgb(244, 124, 34)',
  colorBorderError: 'rgb(214, 31, 31)',
  colorBorderNeutral: 'rgb(2, 99, 224)',
  colorText: 'rgb(18, 28, 45)',
  colorTextWeak: 'rgb(96, 107, 133)',
  colorTextSuccess: 'rgb(14, 124, 58)',
  colorTextWarningStrong: 'rgb(141, 49, 24)',
  colorTextErrorStrong: 'rgb(173, 17, 17)',
  colorTextNeutral: 'rgb(0, 20, 137)',
  colorTextInverse: 'rgb(255, 255, 255)',
  colorTextLink: 'rgb(2, 99, 224)',
} as const;

/** A colour token the components use. */
export type ColorToken = keyof typeof LIGHT_COLORS;

/**
 * Paste's dark theme (`@twilio-paste/design-tokens/dist/themes/dark`): the token set Flex
 * 2.x builds its own dark theme from (`config.theme.isLight: false`).
 */
export const DARK_COLORS: { readonly [name in ColorToken]: string } = {
  colorBackgroundBody: 'rgb(13, 19, 28)',
  colorBackground: 'rgb(18, 28, 45)',
  colorBackgroundSuccessWeakest: 'rgb(5, 41, 18)',
  colorBackgroundWarningWeakest: 'rgb(64, 19, 15)',
  colorBackgroundErrorWeakest: 'rgb(49, 12, 12)',
  colorBackgroundNeutralWeakest: 'rgb(3, 11, 93)',
  colorBackgroundPrimary: 'rgb(2, 99, 224)',
  colorBorderWeak: 'rgb(57, 71, 98)',
  colorBorderWeaker: 'rgb(31, 48, 76)',
  colorBorderSuccess: 'rgb(20, 176, 83)',
  colorBorderWarning: 'rgb(244, 124, 34)',
  colorBorderError: 'rgb(214, 31, 31)',
  colorBorderNeutral: 'rgb(2, 99, 224)',
  colorText: 'rgb(244, 244, 246)',
  colorTextWeak: 'rgb(136, 145, 170)',
  colorTextSuccess: 'rgb(162, 246, 195)',
  colorTextWarningStrong: 'rgb(250, 194, 160)',
  colorTextErrorStrong: 'rgb(246, 177, 177)',
  colorTextNeutral: 'rgb(204, 228, 255)',
  colorTextInverse: 'rgb(255, 255, 255)',
  colorTextLink: 'rgb(0, 140, 255)',
};

/** The CSS variable that carries a colour token: `colorText` → `--sticky-calls-color-text`. */
export function colorVariable(name: ColorToken): string {
  return `--sticky-calls-${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

const COLOR_NAMES = Object.keys(LIGHT_COLORS) as ColorToken[];

const themedColors = {} as { -readonly [name in ColorToken]: string };
for (const name of COLOR_NAMES) themedColors[name] = `var(${colorVariable(name)}, ${LIGHT_COLORS[name]})`;

/** The tokens, for inline styles: colours as theme variables, the rest as Paste's values. */
export const tokens = {
  ...(themedColors as { readonly [name in ColorToken]: string }),
  fontFamilyText:
    "'Inter var experimental', 'Inter var', -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Oxygen-Sans, Ubuntu, Cantarell, 'Helvetica Neue', sans-serif",
  fontSize20: '0.75rem',
  fontSize30: '0.875rem',
  fontSize40: '1rem',
  fontWeightSemibold: '600',
  fontWeightBold: '700',
  lineHeight20: '1.25rem',
  space10: '0.125rem',
  space20: '0.25rem',
  space30: '0.5rem',
  space40: '0.75rem',
  space50: '1rem',
  borderRadius20: '4px',
  borderRadius30: '8px',
  borderRadiusPill: '100px',
  borderWidth10: '1px',
} as const;

/**
 * The Paste design tokens the components use (Twilio Paste's default theme, as Flex 2.x
 * ships it). Copied as plain values so the package needs neither Paste nor its theme
 * provider at run time; a test compares each one with `@twilio-paste/design-tokens`.
 */
export const tokens = {
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

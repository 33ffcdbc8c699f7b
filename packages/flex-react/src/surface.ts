import type { CSSProperties } from 'react';
import { tokens as t } from './tokens.js';

/** The card the wrap-up form sits on: Paste's body text on a bordered white surface (the panel's is in styles.ts). */
export const surface: CSSProperties = {
  boxSizing: 'border-box',
  width: '100%',
  padding: t.space50,
  fontFamily: t.fontFamilyText,
  fontSize: t.fontSize30,
  lineHeight: t.lineHeight20,
  color: t.colorText,
  background: t.colorBackgroundBody,
  border: `${t.borderWidth10} solid ${t.colorBorderWeaker}`,
  borderRadius: t.borderRadius30,
  overflowWrap: 'anywhere',
};

/**
 * The panel's look, as one stylesheet: added once to the document (or the shadow root)
 * the panel renders in, on its first mount, and left there for the next panel. The
 * elements carry class names, not inline styles, so a mount builds no style objects and
 * sets no style properties one by one.
 *
 * Every rule sits under the panel's own class (`.sticky-calls-panel .sticky-calls-title`),
 * so it touches nothing of Flex's or the host's, and outweighs a page's rule for a bare
 * element (`.Twilio p`). The sheet goes first in `<head>`: a host's rule of the same
 * weight (two classes), written to restyle the panel, wins. Colours read the theme's variables
 * (`StickyCallsTheme` sets them) with Paste's light values as fallbacks. The text is a
 * constant of this module, built from the package's own tokens: no caller, API or theme
 * value ever goes into it (theme values reach the page as custom properties through
 * React's `style`, which escapes them).
 */
import type { CSSProperties } from 'react';
import { surface } from './surface.js';
import { tokens as t } from './tokens.js';

const PREFIX = 'sticky-calls-';

type Style = CSSProperties;

/** The rules as given, typed by their names alone (so the declarations can name the type). */
const rules = <Name extends string>(byName: Record<Name, Style>) => byName;

const buttonBase: Style = {
  minHeight: '2rem',
  padding: `${t.space20} ${t.space40}`,
  font: 'inherit',
  fontWeight: t.fontWeightSemibold,
  borderRadius: t.borderRadius20,
  cursor: 'pointer',
};

/**
 * The rules, by class name (without the prefix), in the order they apply: a modifier
 * (`strong`, `repeat`, `warning`) comes after the base it changes and wins over it.
 * Written as React style objects (camelCase, string values) and turned into CSS once.
 */
const RULES = rules({
  // The card the panel sits on: Paste's body text on a bordered surface.
  panel: { ...surface, maxWidth: '100%' },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: t.space30,
  },
  who: { flex: '1 1 12rem', minWidth: 0 },
  // The panel's name is the tab's or the slot's: quiet, so the caller's name leads.
  title: { margin: 0, fontSize: t.fontSize20, fontWeight: t.fontWeightSemibold, color: t.colorTextWeak },
  callerName: {
    margin: `${t.space10} 0 0`,
    fontSize: t.fontSize40,
    fontWeight: t.fontWeightBold,
    overflowWrap: 'anywhere',
  },
  subtitle: {
    margin: `${t.space50} 0 ${t.space20}`,
    fontSize: t.fontSize30,
    fontWeight: t.fontWeightSemibold,
  },
  // Inside its own box: the box's padding is the space above it.
  suggestionTitle: {
    margin: `0 0 ${t.space20}`,
    fontSize: t.fontSize30,
    fontWeight: t.fontWeightSemibold,
  },
  flat: { margin: 0 },
  muted: { margin: `${t.space30} 0`, color: t.colorTextWeak },
  noticeTitle: { margin: `0 0 ${t.space20}`, fontWeight: t.fontWeightSemibold },
  icon: {
    display: 'inline-block',
    minWidth: '1em',
    marginInlineEnd: t.space20,
    fontWeight: t.fontWeightBold,
  },
  wrap: { overflowWrap: 'anywhere', wordBreak: 'break-word' },
  badge: {
    display: 'inline-flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: t.space20,
    margin: 0,
    padding: `${t.space20} ${t.space40}`,
    borderRadius: t.borderRadiusPill,
    border: `${t.borderWidth10} solid`,
    fontSize: t.fontSize30,
  },
  strong: {
    fontSize: t.fontSize40,
    background: t.colorBackgroundSuccessWeakest,
    borderColor: t.colorBorderSuccess,
    color: t.colorTextSuccess,
    borderWidth: '2px',
    fontWeight: t.fontWeightBold,
  },
  // A match to reuse below "high", or one the agent verified: the same colour, said more quietly.
  likely: { background: t.colorBackgroundBody, borderColor: t.colorBorderSuccess, color: t.colorTextSuccess },
  confirm: {
    background: t.colorBackgroundWarningWeakest,
    borderColor: t.colorBorderWarning,
    color: t.colorTextWarningStrong,
  },
  ignore: { background: t.colorBackground, borderColor: t.colorBorderWeak, color: t.colorText },
  badgeDetail: { fontWeight: 'normal' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(9rem, 1fr))',
    gap: `${t.space30} ${t.space50}`,
    margin: `${t.space40} 0 0`,
  },
  fact: { minWidth: 0 },
  factLabel: { color: t.colorTextWeak, fontSize: t.fontSize20 },
  factValue: { margin: 0, overflowWrap: 'anywhere' },
  suggestion: {
    marginTop: t.space40,
    padding: `${t.space30} ${t.space40}`,
    borderInlineStart: `4px solid ${t.colorBorderNeutral}`,
    background: t.colorBackgroundNeutralWeakest,
    color: t.colorTextNeutral,
    borderRadius: t.borderRadius20,
  },
  list: { margin: 0, padding: 0, listStyle: 'none' },
  intent: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: t.space30,
    padding: `${t.space20} 0`,
    borderBottom: `${t.borderWidth10} solid ${t.colorBorderWeaker}`,
  },
  repeat: {
    padding: `${t.space20} ${t.space30}`,
    borderInlineStart: `4px solid ${t.colorBorderWarning}`,
    background: t.colorBackgroundWarningWeakest,
  },
  attempts: { color: t.colorTextWeak, fontSize: t.fontSize20 },
  repeatTag: { color: t.colorTextWarningStrong, fontSize: t.fontSize20 },
  variables: { margin: 0 },
  variableRow: {
    display: 'grid',
    gridTemplateColumns: 'minmax(6rem, 35%) minmax(0, 1fr)',
    gap: t.space30,
    padding: `${t.space20} 0`,
    borderBottom: `${t.borderWidth10} solid ${t.colorBorderWeaker}`,
  },
  variableName: { color: t.colorTextWeak, overflowWrap: 'anywhere', minWidth: 0 },
  variableValue: {
    margin: 0,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    wordBreak: 'break-word',
    minWidth: 0,
  },
  // A box of the panel's own words, its bar on the start side; then its kind.
  notice: {
    margin: `${t.space30} 0`,
    padding: t.space40,
    borderRadius: t.borderRadius20,
    overflowWrap: 'anywhere',
  },
  warning: {
    borderInlineStart: `4px solid ${t.colorBorderWarning}`,
    background: t.colorBackgroundWarningWeakest,
    color: t.colorTextWarningStrong,
  },
  success: {
    borderInlineStart: `4px solid ${t.colorBorderSuccess}`,
    background: t.colorBackgroundSuccessWeakest,
    color: t.colorTextSuccess,
  },
  neutral: {
    borderInlineStart: `4px solid ${t.colorBorderWeak}`,
    background: t.colorBackground,
    color: t.colorText,
  },
  // A fieldset for the group its buttons form, without the fieldset's own frame.
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: t.space30,
    minWidth: 0,
    margin: `${t.space30} 0`,
    padding: 0,
    border: 'none',
  },
  primary: {
    ...buttonBase,
    color: t.colorTextInverse,
    background: t.colorBackgroundPrimary,
    border: `${t.borderWidth10} solid ${t.colorBackgroundPrimary}`,
  },
  secondary: {
    ...buttonBase,
    color: t.colorTextLink,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderNeutral}`,
  },
  linkButton: {
    padding: `${t.space10} ${t.space20}`,
    font: 'inherit',
    color: t.colorTextLink,
    background: 'none',
    border: 'none',
    borderRadius: t.borderRadius20,
    textDecoration: 'underline',
    cursor: 'pointer',
  },
  smallButton: {
    flex: 'none',
    padding: `0 ${t.space20}`,
    font: 'inherit',
    fontSize: t.fontSize20,
    color: t.colorTextLink,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderWeak}`,
    borderRadius: t.borderRadius20,
    cursor: 'pointer',
  },
  hiddenNote: { margin: 0, fontSize: t.fontSize20 },
  outcomeLine: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    justifyContent: 'space-between',
    gap: t.space30,
    margin: 0,
  },
  refLine: {
    display: 'flex',
    // The status ("Selected: press Ctrl+C…") takes a line of its own: beside the ref it
    // would squeeze the ref to nothing in a narrow panel, and leave nothing selected.
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: t.space20,
    minWidth: 0,
    margin: `${t.space10} 0 0`,
    fontSize: t.fontSize20,
    color: t.colorTextWeak,
  },
  refLabel: { flex: 'none' },
  refValue: {
    // A basis of 0: the ref shares the first line with its label and button, cut with an ellipsis.
    flex: '1 1 0',
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    overflowWrap: 'normal',
  },
  refStatus: { flexBasis: '100%' },
});

/** A class of the panel's stylesheet. */
type PanelClass = keyof typeof RULES;

const NAMES = Object.keys(RULES) as PanelClass[];

/** `minWidth` → `min-width`: a style's property, or a class name, as CSS writes it. */
const kebab = (name: string) => name.replace(/[A-Z]/g, '-$&').toLowerCase();

/** The class names of the panel's parts, by rule: `classes.callerName` → `'sticky-calls-caller-name'`. */
export const classes = {} as { readonly [name in PanelClass]: string };
for (const name of NAMES) (classes as Record<PanelClass, string>)[name] = PREFIX + kebab(name);

/**
 * The stylesheet's text. Each rule weighs two classes, the root's too (its class twice):
 * more than Flex's or a page's rule for a bare element inside a class (`.Twilio section`),
 * which an inline style outweighed before.
 */
const PANEL_CSS = NAMES.map((name) => {
  const style: Style = RULES[name];
  const declarations = Object.keys(style).map((key) => `${kebab(key)}:${style[key as keyof Style]}`);
  return `.${classes.panel}${name === 'panel' ? '.' : ' .'}${classes[name]}{${declarations.join(';')}}`;
}).join('');

/**
 * What marks the stylesheet: a hash of its text, so two versions of the package on one
 * page whose rules differ each add their own, and equal rules are added once.
 */
const SHEET = `panel-${hash(PANEL_CSS)}`;
const MARK = `style[data-sticky-calls-styles="${SHEET}"]`;

/** A short FNV-1a hash of a text, in base 36. */
function hash(text: string): string {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193);
  }
  return (value >>> 0).toString(36);
}

/**
 * The panel root's `ref`: adds the stylesheet where the panel is rendered, once, before
 * the browser paints it: to the panel's shadow root when it is in one (a document's
 * styles do not reach inside), else to the `<head>` of the panel's own document (an
 * iframe's, say). One function for every panel, so React calls it on mount only; a
 * server render calls no ref and touches no document.
 */
export function panelStylesRef(element: Element | null): void {
  if (element === null) return;
  const doc = element.ownerDocument;
  const root = element.getRootNode() as Document | ShadowRoot;
  const scope = 'host' in root ? root : (doc.head ?? doc.documentElement);
  if (scope.querySelector(MARK) !== null) return;
  const sheet = doc.createElement('style');
  sheet.setAttribute('data-sticky-calls-styles', SHEET);
  sheet.textContent = PANEL_CSS;
  scope.insertBefore(sheet, scope.firstChild);
}

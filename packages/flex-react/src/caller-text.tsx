/**
 * Text that came from the caller, the API or the task, as the panel, the form and the
 * notifications show it. Each value sits in a bidi isolate of its own (`<bdi dir="auto">`),
 * so a right-to-left override, embedding or mark inside it cannot reorder the words
 * around it. Characters that draw nothing are shown as `⟨U+200B⟩`: in a name (an intent,
 * a variable's name, a ref) every zero-width, bidi and control character, so a name is
 * never blank and two names that look alike are told apart; in a value only the control
 * characters (tabs and line breaks stay), and all of it when nothing else would show.
 */
import * as React from 'react';
import { tokens as t } from './tokens.js';

/** Controls, format characters (zero-width, bidi), separators, and the Hangul fillers that draw nothing. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;
/** What a value keeps of them: tabs and line breaks, which lay out as space. */
const LAID_OUT = /[\t\n\r]|[^\p{Cc}\u2028\u2029]/u;
/** A character that draws something. */
const DRAWN = /[^\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;

type Part = readonly [text: string, escaped: boolean];

function parts(text: string, name: boolean): Part[] {
  const all = !DRAWN.test(text);
  const result: Part[] = [];
  let run = '';
  for (const char of Array.from(text)) {
    if (all || (name ? HIDDEN.test(char) : !LAID_OUT.test(char))) {
      if (run !== '') result.push([run, false]);
      run = '';
      result.push([`⟨U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`, true]);
    } else run += char;
  }
  if (run !== '') result.push([run, false]);
  return result;
}

/** `text` with what would draw nothing written as `⟨U+200B⟩`, for a `title` attribute. */
export function visibleText(text: string, name = true): string {
  return parts(text, name)
    .map(([part]) => part)
    .join('');
}

/** Props of {@link CallerText}. */
interface CallerTextProps {
  readonly text: string;
  /** An identifier (an intent, a variable's name, a ref): every invisible character is shown. */
  readonly name?: boolean;
  /** What an empty name shows, muted. */
  readonly empty?: string;
  readonly title?: string;
}

/** One caller- or API-supplied text, isolated and visible. */
export function CallerText({ text, name = false, empty, title }: CallerTextProps): React.ReactElement {
  return (
    <bdi dir="auto" title={title}>
      {text === '' && empty !== undefined ? (
        <span style={muted}>{empty}</span>
      ) : (
        parts(text, name).map(([part, escaped], index) =>
          escaped ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move.
            <span key={index} style={muted}>
              {part}
            </span>
          ) : (
            part
          ),
        )
      )}
    </bdi>
  );
}

/**
 * Fills `{{name}}` placeholders with nodes (a {@link CallerText}, a number), so a value
 * keeps its own element inside the sentence. A placeholder without a value stays as written.
 */
export function fillNodes(
  template: string,
  values: Readonly<Record<string, React.ReactNode>>,
): React.ReactElement {
  const pieces = template.split(/\{\{\s*(\w+)\s*\}\}/);
  return React.createElement(
    React.Fragment,
    null,
    ...pieces.map((piece, index) =>
      index % 2 === 0
        ? piece
        : // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers Flex supports
          Object.prototype.hasOwnProperty.call(values, piece)
          ? values[piece]
          : `{{${piece}}}`,
    ),
  );
}

const muted: React.CSSProperties = { color: t.colorTextWeak };

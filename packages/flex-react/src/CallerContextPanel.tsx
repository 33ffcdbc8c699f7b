import {
  type CallerNumber,
  type IdentityTier,
  levelForConfidence,
  type TierOptions,
} from '@stickycalls/core';
import * as React from 'react';
import { CallerText, fillNodes, visibleText } from './caller-text.js';
import { type CallerContextView, formatPhoneNumber, humanize, type Suggestion } from './caller-view.js';
import type { TaskContextProps } from './flex-types.js';
import { fillTemplate, type StickyCallsStrings, useStrings } from './strings.js';
import { surface } from './surface.js';
import { tokens as t } from './tokens.js';
import { useCallerContext } from './useCallerContext.js';
import { useUniqueId } from './useUniqueId.js';

/** Props of {@link CallerContextPanel}. */
export interface CallerContextPanelProps extends TaskContextProps {
  /** Identity thresholds. @default reuse ≥ 0.5, confirm ≥ 0.3, the API's recommendation first */
  tiers?: TierOptions;
  /** Overrides of the panel's strings (also read from `StickyCallsStringsProvider`). @default English */
  strings?: Partial<StickyCallsStrings>;
  /** Extra class on the outer element. */
  className?: string;
}

const REASONS = new Set([
  'timeout',
  'network_error',
  'rate_limited',
  'quota_exceeded',
  'unauthorized',
  'not_configured',
  'no_identity_hints',
  'too_large',
]);

/**
 * The screen pop: who is calling, how sure the match is, what is stored about them,
 * their open intents and what to do next. Takes the task as a prop, or from Flex's
 * task context when added to a task slot (`flex.TaskCanvas.Content.add(<CallerContextPanel key="…" />)`).
 * Every value is rendered as text, never as HTML, each in a bidi isolate of its own.
 *
 * @example
 * <CallerContextPanel task={task} tiers={{ reuseAt: 0.8 }} />
 */
export function CallerContextPanel(props: CallerContextPanelProps): React.ReactElement {
  const { task, tiers, className } = props;
  const strings = useStrings(props.strings);
  const view = useCallerContext(task, tiers === undefined ? {} : { tiers });
  const titleId = useUniqueId('sticky-calls-title');
  return (
    <section
      aria-labelledby={titleId}
      className={className}
      data-sticky-calls="panel"
      data-state={view.state}
      data-tier={view.tier ?? undefined}
      style={styles.panel}
    >
      <div style={styles.header}>
        <h2 id={titleId} style={styles.title}>
          {strings.StickyCallsPanelTitle}
        </h2>
        {view.state === 'ready' ? <ConfidenceBadge view={view} strings={strings} /> : null}
      </div>
      <PanelBody view={view} strings={strings} />
    </section>
  );
}

type ReadyView = Extract<CallerContextView, { state: 'ready' }>;

function PanelBody({ view, strings }: { view: CallerContextView; strings: StickyCallsStrings }) {
  switch (view.state) {
    case 'absent':
      return <p style={styles.muted}>{strings.StickyCallsAbsent}</p>;
    case 'invalid':
      return (
        <div role="note" style={notice('warning')}>
          <p style={styles.noticeTitle}>{strings.StickyCallsUnavailable}</p>
          <p style={styles.flat}>{strings.StickyCallsInvalid}</p>
          <p style={styles.flat}>{strings.StickyCallsUnavailableHint}</p>
          <Facts view={view} strings={strings} />
        </div>
      );
    case 'degraded': {
      // A reason this version does not know comes from the task as it is: shown as a name.
      const reason = REASONS.has(view.reason)
        ? strings[`StickyCallsReason_${view.reason}` as keyof StickyCallsStrings]
        : fillNodes(strings.StickyCallsReason_other, { code: <CallerText text={view.reason} name /> });
      return (
        <div role="note" style={notice('warning')} data-reason={view.reason}>
          <p style={styles.noticeTitle}>{strings.StickyCallsUnavailable}</p>
          <p style={styles.flat}>{fillNodes(strings.StickyCallsUnavailableReason, { reason })}</p>
          <p style={styles.flat}>{strings.StickyCallsUnavailableHint}</p>
          <Facts view={view} strings={strings} />
        </div>
      );
    }
    case 'ready':
      return <ReadyBody view={view} strings={strings} />;
  }
}

function ReadyBody({ view, strings }: { view: ReadyView; strings: StickyCallsStrings }) {
  const intentsId = useUniqueId('sticky-calls-intents');
  const variablesId = useUniqueId('sticky-calls-variables');
  const suggestionId = useUniqueId('sticky-calls-suggestion');
  return (
    <>
      {view.tier === 'confirm' ? (
        <p role="note" style={notice('warning')} data-sticky-calls="verify-prompt">
          <span aria-hidden="true" style={styles.icon}>
            !
          </span>
          {strings.StickyCallsVerifyPrompt}
        </p>
      ) : null}
      {view.tier === 'ignore' ? <p style={styles.muted}>{strings.StickyCallsNewCallerHint}</p> : null}
      <Facts view={view} strings={strings} />
      <section aria-labelledby={suggestionId} style={styles.suggestion}>
        <h3 id={suggestionId} style={styles.subtitle}>
          {strings.StickyCallsSuggestionTitle}
        </h3>
        <p style={styles.flat}>{suggestionText(view.suggestion, strings)}</p>
      </section>
      {view.tier !== 'ignore' ? (
        <>
          <section aria-labelledby={intentsId}>
            <h3 id={intentsId} style={styles.subtitle}>
              {strings.StickyCallsIntentsTitle}
            </h3>
            {view.intents.length === 0 ? (
              <p style={styles.muted}>{strings.StickyCallsNoIntents}</p>
            ) : (
              <ul style={styles.list}>
                {view.intents.map((intent, index) => (
                  <li
                    // Intent names may repeat in a malformed context; the position keeps keys unique.
                    // biome-ignore lint/suspicious/noArrayIndexKey: see above.
                    key={`${intent.intent}:${index}`}
                    style={intent.repeat ? styles.intentRepeat : styles.intent}
                    data-repeat={intent.repeat ? 'true' : undefined}
                  >
                    <span style={styles.wrap}>
                      <Name slug={intent.intent} strings={strings} />
                    </span>
                    {intent.attempts !== null ? (
                      <span style={styles.attempts}>
                        {fillTemplate(strings.StickyCallsAttempts, { count: intent.attempts })}
                      </span>
                    ) : null}
                    {intent.repeat ? (
                      <strong style={styles.repeatTag}>{strings.StickyCallsRepeatAttempt}</strong>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby={variablesId}>
            <h3 id={variablesId} style={styles.subtitle}>
              {strings.StickyCallsVariablesTitle}
            </h3>
            {view.variables.length === 0 ? (
              <p style={styles.muted}>{strings.StickyCallsNoVariables}</p>
            ) : (
              <dl style={styles.variables}>
                {view.variables.map((row) => (
                  <div key={row.name} style={styles.variableRow}>
                    <dt style={styles.variableName}>
                      <Name slug={row.name} strings={strings} />
                    </dt>
                    <dd style={styles.variableValue}>
                      <CallerText text={row.value} />
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        </>
      ) : null}
      {view.truncated ? (
        <p role="note" style={styles.muted} data-sticky-calls="truncated">
          {fillTemplate(strings.StickyCallsTruncated, view.omitted)}
        </p>
      ) : null}
    </>
  );
}

const TIER_LABEL: Readonly<Record<IdentityTier, keyof StickyCallsStrings>> = {
  reuse: 'StickyCallsTierReuse',
  confirm: 'StickyCallsTierConfirm',
  ignore: 'StickyCallsTierIgnore',
};

const TIER_ICON: Readonly<Record<IdentityTier, string>> = { reuse: '✓', confirm: '!', ignore: '•' };

function ConfidenceBadge({ view, strings }: { view: ReadyView; strings: StickyCallsStrings }) {
  const percent = Math.round(view.confidence * 100);
  return (
    <p style={styles.badge[view.tier]} data-sticky-calls="badge">
      <span aria-hidden="true" style={styles.icon}>
        {TIER_ICON[view.tier]}
      </span>
      <strong>{strings[TIER_LABEL[view.tier]]}</strong>
      <span style={styles.badgeDetail}>
        {fillNodes(strings.StickyCallsConfidence, {
          percent,
          level: (
            <CallerText
              text={humanize(view.level ?? levelForConfidence(view.confidence)).toLowerCase()}
              name
            />
          ),
        })}
      </span>
    </p>
  );
}

function Facts({ view, strings }: { view: CallerContextView; strings: StickyCallsStrings }) {
  const rows: [string, React.ReactNode][] = [];
  if (view.caller !== null) rows.push([strings.StickyCallsCallerNumber, callerText(view.caller, strings)]);
  if (view.state === 'ready') {
    rows.push([
      strings.StickyCallsCustomerRef,
      <code key="ref" style={styles.wrap}>
        <CallerText text={view.customerRef} name />
      </code>,
    ]);
    if (view.callStart !== null) {
      rows.push([
        strings.StickyCallsCallStarted,
        <time key="start" dateTime={view.callStart.toISOString()}>
          {formatTime(view.callStart)}
        </time>,
      ]);
    }
    if (view.lastContact !== null) {
      const key = (
        {
          day: 'StickyCallsLastContactDay',
          week: 'StickyCallsLastContactWeek',
          month: 'StickyCallsLastContactMonth',
        } as const
      )[view.lastContact];
      rows.push([strings.StickyCallsLastContact, strings[key]]);
    }
  }
  if (rows.length === 0) return null;
  return (
    <dl style={styles.facts}>
      {rows.map(([label, value]) => (
        <div key={label} style={styles.fact}>
          <dt style={styles.factLabel}>{label}</dt>
          <dd style={styles.factValue}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * An intent or a variable's name, humanized (`refund_request` → `Refund request`), isolated,
 * with the slug itself (its invisible characters shown) as the title.
 */
function Name({ slug, strings }: { slug: string; strings: StickyCallsStrings }) {
  return (
    <CallerText text={humanize(slug)} name empty={strings.StickyCallsUnnamed} title={visibleText(slug)} />
  );
}

function callerText(caller: CallerNumber, strings: StickyCallsStrings): React.ReactNode {
  switch (caller.kind) {
    case 'phone':
      return <CallerText text={formatPhoneNumber(caller.e164)} />;
    case 'withheld':
      return strings.StickyCallsNumberWithheld;
    case 'client':
      return <CallerText text={caller.identity} name />;
    case 'sip':
      return <CallerText text={caller.uri} name />;
    case 'invalid':
      return caller.raw === '' ? strings.StickyCallsNumberUnknown : <CallerText text={caller.raw} name />;
  }
}

function suggestionText(suggestion: Suggestion, strings: StickyCallsStrings): React.ReactNode {
  switch (suggestion.kind) {
    case 'verify':
      return suggestion.intent === null
        ? strings.StickyCallsSuggestVerify
        : fillNodes(strings.StickyCallsSuggestVerifyThen, {
            intent: <Name slug={suggestion.intent} strings={strings} />,
          });
    case 'follow_up':
      return fillNodes(strings.StickyCallsSuggestFollowUp, {
        intent: <Name slug={suggestion.intent} strings={strings} />,
        count: suggestion.attempts,
      });
    case 'ask_open':
      return fillNodes(strings.StickyCallsSuggestAskOpen, {
        intent: <Name slug={suggestion.intent} strings={strings} />,
      });
    case 'welcome_back':
      return strings.StickyCallsSuggestWelcomeBack;
    case 'new_caller':
      return strings.StickyCallsSuggestNewCaller;
  }
}

function formatTime(date: Date): string {
  const sameDay = new Date().toDateString() === date.toDateString();
  try {
    return sameDay
      ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return date.toISOString();
  }
}

type Style = React.CSSProperties;

function notice(kind: 'warning' | 'error'): Style {
  return {
    margin: `${t.space30} 0`,
    padding: t.space40,
    borderRadius: t.borderRadius20,
    borderLeft: `4px solid ${kind === 'warning' ? t.colorBorderWarning : t.colorBorderError}`,
    background: kind === 'warning' ? t.colorBackgroundWarningWeakest : t.colorBackgroundErrorWeakest,
    color: kind === 'warning' ? t.colorTextWarningStrong : t.colorTextErrorStrong,
    overflowWrap: 'anywhere',
  };
}

const badgeBase: Style = {
  display: 'inline-flex',
  flexWrap: 'wrap',
  alignItems: 'baseline',
  gap: t.space20,
  margin: 0,
  padding: `${t.space20} ${t.space40}`,
  borderRadius: t.borderRadiusPill,
  border: `${t.borderWidth10} solid`,
  fontSize: t.fontSize30,
};

const styles = {
  panel: { ...surface, maxWidth: '100%' },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: t.space30,
  },
  title: { margin: 0, fontSize: t.fontSize40, fontWeight: t.fontWeightBold },
  subtitle: {
    margin: `${t.space50} 0 ${t.space20}`,
    fontSize: t.fontSize30,
    fontWeight: t.fontWeightSemibold,
  },
  flat: { margin: 0 },
  muted: { margin: `${t.space30} 0`, color: t.colorTextWeak },
  noticeTitle: { margin: `0 0 ${t.space20}`, fontWeight: t.fontWeightSemibold },
  icon: { display: 'inline-block', minWidth: '1em', marginRight: t.space20, fontWeight: t.fontWeightBold },
  wrap: { overflowWrap: 'anywhere', wordBreak: 'break-word' },
  badge: {
    reuse: {
      ...badgeBase,
      fontSize: t.fontSize40,
      background: t.colorBackgroundSuccessWeakest,
      borderColor: t.colorBorderSuccess,
      color: t.colorTextSuccess,
      borderWidth: '2px',
    },
    confirm: {
      ...badgeBase,
      background: t.colorBackgroundWarningWeakest,
      borderColor: t.colorBorderWarning,
      color: t.colorTextWarningStrong,
    },
    ignore: {
      ...badgeBase,
      background: t.colorBackground,
      borderColor: t.colorBorderWeak,
      color: t.colorText,
    },
  },
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
    borderLeft: `4px solid ${t.colorBorderNeutral}`,
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
  intentRepeat: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: t.space30,
    padding: `${t.space20} ${t.space30}`,
    borderLeft: `4px solid ${t.colorBorderWarning}`,
    background: t.colorBackgroundWarningWeakest,
    borderBottom: `${t.borderWidth10} solid ${t.colorBorderWeaker}`,
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
} satisfies Record<string, Style | Record<IdentityTier, Style>>;

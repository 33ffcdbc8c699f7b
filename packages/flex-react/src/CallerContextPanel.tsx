import {
  type CallerNumber,
  type DegradedReason,
  type IdentityCheck,
  levelForConfidence,
  type TierOptions,
  type WrapUpStore,
} from '@stickycalls/core';
import * as React from 'react';
import { CallerText, fillNodes, visibleText } from './caller-text.js';
import {
  type CallerContextView,
  callerName,
  formatPhoneNumber,
  humanize,
  type Suggestion,
  suggestNextStep,
} from './caller-view.js';
import type { TaskContextProps } from './flex-types.js';
import { attemptsText, callCountText, dayText, startText, whenText } from './panel-format.js';
import { type CheckFocus, CheckOutcome, CustomerRef, VerifyPrompt } from './panel-parts.js';
import { fillTemplate, type StickyCallsStringKey, type StickyCallsStrings, useStrings } from './strings.js';
import { classes as c, panelStylesRef } from './styles.js';
import { useCallerContext } from './useCallerContext.js';
import { useIdentityCheck } from './useIdentityCheck.js';
import { useUniqueId } from './useUniqueId.js';

/** Props of {@link CallerContextPanel}. */
export interface CallerContextPanelProps extends TaskContextProps {
  /** Identity thresholds. @default reuse ≥ 0.5, confirm ≥ 0.3, the API's recommendation first */
  tiers?: TierOptions;
  /** Overrides of the panel's strings (also read from `StickyCallsStringsProvider`). @default English */
  strings?: Partial<StickyCallsStrings>;
  /** Extra class on the outer element. */
  className?: string;
  /**
   * Where the agent's identity check is kept for each task: the wrap-up store, so the
   * save records it. `registerCallerContext` passes its own. Without one the check is
   * kept in the panel, for each task, and is not saved.
   */
  store?: WrapUpStore;
  /** The stored variable that holds the caller's name, shown first. @default 'name' */
  nameVariable?: string;
}

/** The words for each reason the core can record; a newer one reads as the generic sentence. */
const REASON_WORDS: { readonly [R in Exclude<DegradedReason, 'unknown'>]: StickyCallsStringKey } = {
  invalid_request: 'StickyCallsReason_invalid_request',
  bad_request: 'StickyCallsReason_bad_request',
  unauthorized: 'StickyCallsReason_unauthorized',
  quota_exceeded: 'StickyCallsReason_quota_exceeded',
  conflict: 'StickyCallsReason_conflict',
  rate_limited: 'StickyCallsReason_rate_limited',
  server_error: 'StickyCallsReason_server_error',
  api_error: 'StickyCallsReason_api_error',
  network_error: 'StickyCallsReason_network_error',
  timeout: 'StickyCallsReason_timeout',
  aborted: 'StickyCallsReason_aborted',
  invalid_response: 'StickyCallsReason_invalid_response',
  not_configured: 'StickyCallsReason_not_configured',
  no_identity_hints: 'StickyCallsReason_no_identity_hints',
  too_large: 'StickyCallsReason_too_large',
};

/** The reason a lookup did not complete, in the agent's words; never the code itself. */
function reasonWords(reason: string, strings: StickyCallsStrings): string {
  // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers Flex supports
  const known = Object.prototype.hasOwnProperty.call(REASON_WORDS, reason);
  return strings[known ? REASON_WORDS[reason as keyof typeof REASON_WORDS] : 'StickyCallsReason_other'];
}

type ReadyView = Extract<CallerContextView, { state: 'ready' }>;

/**
 * Where the agent stands with a ready match: `known` (reuse tier), `pending` (a match to
 * confirm, not yet checked), `verified` or `rejected` (checked), `new` (ignore tier).
 */
type Standing = 'known' | 'pending' | 'verified' | 'rejected' | 'new';

function standingOf(view: ReadyView, check: IdentityCheck | null): Standing {
  if (view.tier === 'reuse') return 'known';
  if (view.tier === 'ignore') return 'new';
  return check === null ? 'pending' : check.outcome;
}

/** Whether the agent may use what is stored about the matched customer. */
const trusted = (standing: Standing) => standing === 'known' || standing === 'verified';

/** The API's documented level for the confidence shown, so the words and the number agree. */
function levelOf(view: ReadyView): string {
  return levelForConfidence(view.confidence);
}

/**
 * The screen pop: who is calling, how sure the match is, what is stored about them,
 * their open intents and what to do next. Takes the task as a prop, or from Flex's
 * task context when added to a task slot (`flex.TaskCanvas.Content.add(<CallerContextPanel key="…" />)`).
 * For a match to confirm, the agent says whether the caller is the customer; what is
 * stored stays hidden until they do. Every value is rendered as text, never as HTML,
 * each in a bidi isolate of its own.
 *
 * @example
 * <CallerContextPanel task={task} tiers={{ reuseAt: 0.8 }} store={store} nameVariable="full_name" />
 */
export function CallerContextPanel(props: CallerContextPanelProps): React.ReactElement {
  const { task, tiers, className, store, nameVariable = 'name' } = props;
  const strings = useStrings(props.strings);
  const view = useCallerContext(task, tiers === undefined ? {} : { tiers });
  const taskSid = task?.taskSid ?? task?.sid ?? '';
  const [check, setCheck] = useIdentityCheck(store, taskSid);
  const titleId = useUniqueId('sticky-calls-title');
  const ready = view.state === 'ready' ? { view, standing: standingOf(view, check) } : null;
  return (
    <section
      ref={panelStylesRef}
      aria-labelledby={titleId}
      className={className ? `${c.panel} ${className}` : c.panel}
      data-sticky-calls="panel"
      data-state={view.state}
      data-tier={view.tier ?? undefined}
      data-level={ready === null ? undefined : levelOf(ready.view)}
      data-identity={ready !== null && ready.view.tier === 'confirm' ? ready.standing : undefined}
    >
      <div className={c.header}>
        <div className={c.who}>
          <h2 id={titleId} className={c.title}>
            {strings.StickyCallsPanelTitle}
          </h2>
          {ready === null ? null : <Who {...ready} strings={strings} nameVariable={nameVariable} />}
        </div>
        {ready === null ? null : <ConfidenceBadge {...ready} strings={strings} />}
      </div>
      {view.state === 'ready' ? (
        <ReadyBody
          view={view}
          standing={standingOf(view, check)}
          check={check}
          setCheck={setCheck}
          strings={strings}
          nameVariable={nameVariable}
        />
      ) : (
        <PanelBody view={view} strings={strings} />
      )}
    </section>
  );
}

function PanelBody({
  view,
  strings,
}: {
  view: Exclude<CallerContextView, { state: 'ready' }>;
  strings: StickyCallsStrings;
}) {
  switch (view.state) {
    case 'absent':
      return <p className={c.muted}>{strings.StickyCallsAbsent}</p>;
    case 'invalid':
      return (
        <div role="note" className={`${c.notice} ${c.warning}`}>
          <p className={c.noticeTitle}>{strings.StickyCallsUnavailable}</p>
          <p className={c.flat}>{strings.StickyCallsInvalid}</p>
          <p className={c.flat}>{strings.StickyCallsUnavailableHint}</p>
          <Facts rows={numberRow(view.caller, strings)} />
        </div>
      );
    case 'degraded':
      // The code stays in `data-reason` for whoever debugs; the agent reads words.
      return (
        <div role="note" className={`${c.notice} ${c.warning}`} data-reason={view.reason}>
          <p className={c.noticeTitle}>{strings.StickyCallsUnavailable}</p>
          <p className={c.flat}>
            {fillTemplate(strings.StickyCallsUnavailableReason, {
              reason: reasonWords(view.reason, strings),
            })}
          </p>
          <p className={c.flat}>{strings.StickyCallsUnavailableHint}</p>
          <Facts rows={numberRow(view.caller, strings)} />
        </div>
      );
  }
}

/** Who is calling, first: the name when the agent may use it, else the number; then the ref, quiet. */
function Who({
  view,
  standing,
  strings,
  nameVariable,
}: {
  view: ReadyView;
  standing: Standing;
  strings: StickyCallsStrings;
  nameVariable: string;
}) {
  const name = trusted(standing) ? callerName(view, nameVariable) : null;
  return (
    <>
      <p
        className={c.callerName}
        data-sticky-calls="caller-name"
        data-source={name === null ? 'number' : 'name'}
      >
        {name !== null ? (
          <CallerText text={name} />
        ) : view.caller !== null ? (
          callerText(view.caller, strings)
        ) : (
          strings.StickyCallsNumberUnknown
        )}
      </p>
      {/* A ref the agent said is someone else's is of no use on this call. */}
      {standing !== 'rejected' && view.customerRef !== '' ? (
        <CustomerRef value={view.customerRef} strings={strings} />
      ) : null}
    </>
  );
}

function ReadyBody({
  view,
  standing,
  check,
  setCheck,
  strings,
  nameVariable,
}: {
  view: ReadyView;
  standing: Standing;
  check: IdentityCheck | null;
  setCheck: (check: IdentityCheck | null) => void;
  strings: StickyCallsStrings;
  nameVariable: string;
}) {
  const intentsId = useUniqueId('sticky-calls-intents');
  const variablesId = useUniqueId('sticky-calls-variables');
  const suggestionId = useUniqueId('sticky-calls-suggestion');
  const promptId = useUniqueId('sticky-calls-verify');
  const focus = React.useRef<CheckFocus>(null);
  const shown = trusted(standing);
  const name = shown ? callerName(view, nameVariable) : null;
  const variables = shown ? view.variables.filter((row) => row.name !== nameVariable) : [];
  const suggestion: Suggestion =
    standing === 'verified'
      ? suggestNextStep('reuse', view.intents)
      : standing === 'rejected'
        ? { kind: 'new_caller' }
        : // Until the agent decides, the suggestion names none of the customer's intents either.
          standing === 'pending'
          ? { kind: 'verify', intent: null }
          : view.suggestion;
  return (
    <>
      {standing === 'pending' ? (
        <VerifyPrompt
          strings={strings}
          focus={focus}
          promptId={promptId}
          onVerified={() => setCheck({ outcome: 'verified', at: new Date().toISOString() })}
          onRejected={() => setCheck({ outcome: 'rejected', at: new Date().toISOString() })}
        />
      ) : null}
      {(standing === 'verified' || standing === 'rejected') && check !== null ? (
        <CheckOutcome
          strings={strings}
          focus={focus}
          outcome={standing}
          at={check.at}
          onUndo={() => setCheck(null)}
        />
      ) : null}
      {standing === 'new' ? <p className={c.muted}>{strings.StickyCallsNewCallerHint}</p> : null}
      <Facts rows={readyRows(view, shown, name !== null, strings)} />
      <section aria-labelledby={suggestionId} className={c.suggestion}>
        <h3 id={suggestionId} className={c.suggestionTitle}>
          {strings.StickyCallsSuggestionTitle}
        </h3>
        <p className={c.flat}>{suggestionText(suggestion, strings)}</p>
      </section>
      {shown ? (
        <>
          <section aria-labelledby={intentsId}>
            <h3 id={intentsId} className={c.subtitle}>
              {strings.StickyCallsIntentsTitle}
            </h3>
            {view.intents.length === 0 ? (
              <p className={c.muted}>{strings.StickyCallsNoIntents}</p>
            ) : (
              <ul className={c.list}>
                {view.intents.map((intent, index) => {
                  const calls = attemptsText(strings, intent.attempts);
                  return (
                    <li
                      // Intent names may repeat in a malformed context; the position keeps keys unique.
                      // biome-ignore lint/suspicious/noArrayIndexKey: see above.
                      key={`${intent.intent}:${index}`}
                      className={intent.repeat ? `${c.intent} ${c.repeat}` : c.intent}
                      data-repeat={intent.repeat ? 'true' : undefined}
                    >
                      <span className={c.wrap}>
                        <Name slug={intent.intent} strings={strings} />
                      </span>
                      {calls !== null ? <span className={c.attempts}>{calls}</span> : null}
                      {intent.repeat ? (
                        <strong className={c.repeatTag}>{strings.StickyCallsRepeatAttempt}</strong>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          <section aria-labelledby={variablesId}>
            <h3 id={variablesId} className={c.subtitle}>
              {strings.StickyCallsVariablesTitle}
            </h3>
            {variables.length === 0 ? (
              <p className={c.muted}>{strings.StickyCallsNoVariables}</p>
            ) : (
              <dl className={c.variables}>
                {variables.map((row) => (
                  <div key={row.name} className={c.variableRow}>
                    <dt className={c.variableName}>
                      <Name slug={row.name} strings={strings} />
                    </dt>
                    <dd className={c.variableValue}>
                      <CallerText text={row.value} />
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          {view.truncated ? (
            <p role="note" className={c.muted} data-sticky-calls="truncated">
              {fillTemplate(strings.StickyCallsTruncated, view.omitted)}
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

/** The badge of each standing: its words, its icon and its look. */
function badgeOf(
  view: ReadyView,
  standing: Standing,
): { label: StickyCallsStringKey; icon: string; look: 'strong' | 'likely' | 'confirm' | 'ignore' } {
  switch (standing) {
    case 'known': {
      // "Known caller" only where the number says so; a weaker match to reuse says less, and looks it.
      const level = levelOf(view);
      return level === 'very_high' || level === 'high'
        ? { label: 'StickyCallsTierReuse', icon: '✓', look: 'strong' }
        : { label: 'StickyCallsTierReuseLikely', icon: '✓', look: 'likely' };
    }
    case 'verified':
      return { label: 'StickyCallsTierVerified', icon: '✓', look: 'likely' };
    case 'pending':
      return { label: 'StickyCallsTierConfirm', icon: '!', look: 'confirm' };
    case 'rejected':
    case 'new':
      return { label: 'StickyCallsTierIgnore', icon: '•', look: 'ignore' };
  }
}

function ConfidenceBadge({
  view,
  standing,
  strings,
}: {
  view: ReadyView;
  standing: Standing;
  strings: StickyCallsStrings;
}) {
  const percent = Math.round(view.confidence * 100);
  const badge = badgeOf(view, standing);
  return (
    <p className={`${c.badge} ${c[badge.look]}`} data-sticky-calls="badge" data-look={badge.look}>
      <span aria-hidden="true" className={c.icon}>
        {badge.icon}
      </span>
      <strong>{strings[badge.label]}</strong>
      <span className={c.badgeDetail}>
        {fillNodes(strings.StickyCallsConfidence, {
          percent,
          // Not in the default words (they would repeat the number); there for overrides that use
          // it, from the number too, whatever level the API sent beside it.
          level: humanize(levelOf(view)).toLowerCase(),
        })}
      </span>
    </p>
  );
}

type FactRow = readonly [label: string, value: React.ReactNode];

function numberRow(caller: CallerNumber | null, strings: StickyCallsStrings): FactRow[] {
  return caller === null ? [] : [[strings.StickyCallsCallerNumber, callerText(caller, strings)]];
}

/** A time as the agent reads it, in a direction of its own ("04:12 PM" stays so in a right-to-left panel). */
function Moment({ at, text, hook }: { at: Date; text: string; hook?: string }) {
  return (
    <time dir="auto" dateTime={at.toISOString()} data-sticky-calls={hook}>
      {text}
    </time>
  );
}

/**
 * The facts of a ready match: the number (when the name leads), when the call started,
 * and, when the agent may use them, when the caller last called and when their identity
 * was last verified.
 */
function readyRows(view: ReadyView, shown: boolean, named: boolean, strings: StickyCallsStrings): FactRow[] {
  const rows: FactRow[] = named ? numberRow(view.caller, strings) : [];
  if (view.callStart !== null) {
    rows.push([
      strings.StickyCallsCallStarted,
      <Moment key="start" at={view.callStart} text={startText(view.callStart)} />,
    ]);
  }
  if (!shown) return rows;
  if (view.lastContactAt !== null) {
    rows.push([
      strings.StickyCallsLastContact,
      <Moment
        key="last"
        at={view.lastContactAt}
        text={whenText(view.lastContactAt, strings)}
        hook="last-contact"
      />,
    ]);
  } else if (view.lastContact !== null) {
    const key = (
      {
        day: 'StickyCallsLastContactDay',
        week: 'StickyCallsLastContactWeek',
        month: 'StickyCallsLastContactMonth',
      } as const
    )[view.lastContact];
    rows.push([
      strings.StickyCallsLastContact,
      <span key="last" data-sticky-calls="last-contact">
        {strings[key]}
      </span>,
    ]);
  }
  if (view.identityVerifiedAt !== null) {
    rows.push([
      strings.StickyCallsIdentityVerifiedBefore,
      <Moment
        key="verified"
        at={view.identityVerifiedAt}
        text={dayText(view.identityVerifiedAt)}
        hook="verified-before"
      />,
    ]);
  }
  return rows;
}

function Facts({ rows }: { rows: readonly FactRow[] }) {
  if (rows.length === 0) return null;
  return (
    <dl className={c.facts}>
      {rows.map(([label, value]) => (
        <div key={label} className={c.fact}>
          <dt className={c.factLabel}>{label}</dt>
          <dd className={c.factValue}>{value}</dd>
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
      // The same words as the intent's row: the calls about it, this one included.
      return fillNodes(strings.StickyCallsSuggestFollowUp, {
        intent: <Name slug={suggestion.intent} strings={strings} />,
        calls: callCountText(strings, suggestion.attempts) ?? String(suggestion.attempts),
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

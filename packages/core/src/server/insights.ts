/**
 * Flex Insights reports on `conversations.*` task attributes: the save Function writes
 * the wrap-up's outcome there when it stores the wrap-up on the task, merged into the
 * task's own `conversations` object like every other attribute write.
 */
import { ConfigurationError, readCallerContext, type WrapUpFields } from '../index.js';

/** One of Flex Insights' ten custom conversation attributes. */
export type ConversationAttribute = `conversation_attribute_${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10}`;

/** What the save Function writes for Flex Insights (`insights` of `createSaveContextHandler`). */
export interface InsightsOptions {
  /** Writes the disposition (when the agent gave one) as `conversations.outcome`. @default true */
  outcome?: boolean;
  /** The conversation attribute that takes the intent (`billing_question`). @default false */
  intent?: ConversationAttribute | false;
  /**
   * The conversation attribute that takes the identity level: `verified` or
   * `not_verified` when the agent checked the caller, else the match's level
   * (`very_high`, `high`, `medium`, `low`).
   * @default false
   */
  identity?: ConversationAttribute | false;
}

/** The options, checked. */
export interface Insights {
  readonly outcome: boolean;
  readonly intent: ConversationAttribute | undefined;
  readonly identity: ConversationAttribute | undefined;
}

const CONVERSATION_ATTRIBUTE = /^conversation_attribute_(?:[1-9]|10)$/;
const KEYS = new Set(['outcome', 'intent', 'identity']);

/**
 * The `insights` option, checked when the handler is created: `undefined` for the
 * defaults, `null` for `false` (nothing written). Values are never quoted in the error:
 * a setting pasted in the wrong place may be a secret.
 */
export function readInsightsOptions(option: unknown): Insights | null {
  if (option === false) return null;
  if (option === undefined) return { outcome: true, intent: undefined, identity: undefined };
  if (typeof option !== 'object' || option === null || Array.isArray(option))
    throw new ConfigurationError('insights must be an object ({ outcome, intent, identity }) or false');
  const given = option as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!KEYS.has(key))
      throw new ConfigurationError(
        'insights takes outcome, intent and identity only: one key is none of them',
      );
  const outcome = Object.hasOwn(given, 'outcome') ? given.outcome : true;
  if (typeof outcome !== 'boolean' && outcome !== undefined)
    throw new ConfigurationError('insights.outcome must be true or false');
  const attribute = (name: 'intent' | 'identity'): ConversationAttribute | undefined => {
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined || value === false) return undefined;
    if (typeof value !== 'string' || !CONVERSATION_ATTRIBUTE.test(value))
      throw new ConfigurationError(
        `insights.${name} must be a conversation attribute from conversation_attribute_1 to conversation_attribute_10, or false`,
      );
    return value as ConversationAttribute;
  };
  const intent = attribute('intent');
  const identity = attribute('identity');
  if (intent !== undefined && intent === identity)
    throw new ConfigurationError(
      'insights.identity must be another conversation attribute than insights.intent',
    );
  return { outcome: outcome !== false, intent, identity };
}

/**
 * The `conversations` attributes for a wrap-up: the disposition as `outcome`, the intent
 * and the identity level where configured; `undefined` when there is nothing to write.
 */
export function conversationsFor(
  insights: Insights | null,
  fields: WrapUpFields,
  attributes: unknown,
): Record<string, string> | undefined {
  if (insights === null) return undefined;
  const conversations: Record<string, string> = {};
  const disposition = fields.variables?.disposition;
  if (insights.outcome && disposition !== undefined) conversations.outcome = disposition;
  if (insights.intent !== undefined && fields.intent !== undefined)
    conversations[insights.intent] = fields.intent;
  if (insights.identity !== undefined) {
    const level = identityLevel(fields, attributes);
    if (level !== undefined) conversations[insights.identity] = level;
  }
  return Object.keys(conversations).length > 0 ? conversations : undefined;
}

/** `verified` or `not_verified` when the agent checked the caller, else the match's level. */
function identityLevel(fields: WrapUpFields, attributes: unknown): string | undefined {
  const check = fields.identity_check;
  if (check !== undefined) return check.outcome === 'verified' ? 'verified' : 'not_verified';
  const caller = readCallerContext(attributes);
  if (caller.state !== 'ready') return undefined;
  const level = caller.context.level;
  return typeof level === 'string' && level !== '' ? level : undefined;
}

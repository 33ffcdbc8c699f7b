import { describe, expectTypeOf, test } from 'vitest';
import {
  type CallerContextAttribute,
  type CallerContextState,
  type CallerIdentity,
  type CallerNumber,
  createStickyCallsClient,
  type DegradedReason,
  type EndCallParams,
  type EndCallResponse,
  type EndCallResult,
  type IdentityHints,
  type IdentityTier,
  identityTier,
  type KnownIntentStatus,
  type LineType,
  type OpenIntent,
  parseCallerNumber,
  readCallerContext,
  type StartCallParams,
  type StartCallResponse,
  type StickyCallsClient,
  type StoredVariable,
} from '../index.js';

type Client = ReturnType<typeof createStickyCallsClient>;
// Exclude, not NonNullable: NonNullable's `& {}` collapses `'open' | (string & {})` to plain string.
type IntentStatusParam = Exclude<EndCallParams['intent_status'], undefined>;
type VariableValue = NonNullable<EndCallParams['variables']>[string];

describe('StartCallResponse', () => {
  test('customer_ref and call_id are plain strings', () => {
    expectTypeOf<StartCallResponse['customer_ref']>().toEqualTypeOf<string>();
    expectTypeOf<StartCallResponse['call_id']>().toEqualTypeOf<string>();
  });

  test('identity.confidence is a number, never null', () => {
    expectTypeOf<StartCallResponse['identity']['confidence']>().toEqualTypeOf<number>();
    expectTypeOf<CallerIdentity['sources']>().toEqualTypeOf<string[]>();
  });

  test('identity.recommendation accepts the three tiers', () => {
    expectTypeOf<IdentityTier>().toExtend<CallerIdentity['recommendation']>();
  });

  test('variables are keyed by name, each with a string value', () => {
    expectTypeOf<StartCallResponse['variables'][string]['value']>().toEqualTypeOf<string>();
    expectTypeOf<StoredVariable['value']>().toEqualTypeOf<string>();
    expectTypeOf<StoredVariable['source']>().toEqualTypeOf<string | null>();
    expectTypeOf<StoredVariable['ttl_seconds']>().toEqualTypeOf<number | null>();
  });

  test('open intents carry intent, status and attempt_count', () => {
    expectTypeOf<OpenIntent['intent']>().toEqualTypeOf<string>();
    expectTypeOf<OpenIntent['status']>().toEqualTypeOf<string>();
    expectTypeOf<OpenIntent['attempt_count']>().toEqualTypeOf<number | null>();
  });
});

describe('StartCallParams', () => {
  test('call_id is a string', () => {
    expectTypeOf<StartCallParams['call_id']>().toEqualTypeOf<string>();
  });

  test('identity_hints is required and is an object', () => {
    expectTypeOf<undefined>().not.toExtend<StartCallParams['identity_hints']>();
    expectTypeOf<{ call_id: string }>().not.toExtend<StartCallParams>();
    expectTypeOf<{ ani: string }>().toExtend<StartCallParams['identity_hints']>();
    expectTypeOf<{ external_ids: Record<string, string> }>().toExtend<IdentityHints>();
    expectTypeOf<{ customer_ref: string }>().toExtend<IdentityHints>();
    expectTypeOf<string>().not.toExtend<StartCallParams['identity_hints']>();
  });

  test('telco.line_type is one of the four documented types', () => {
    expectTypeOf<NonNullable<NonNullable<StartCallParams['telco']>['line_type']>>().toEqualTypeOf<
      'mobile' | 'landline' | 'voip' | 'unknown'
    >();
    expectTypeOf<LineType>().toEqualTypeOf<'mobile' | 'landline' | 'voip' | 'unknown'>();
  });

  test('wrong requests do not compile', () => {
    const sticky = createStickyCallsClient({ apiKey: 'sk_test_123' });
    void sticky.calls.start({
      // @ts-expect-error call_id must be a string
      call_id: 1,
      identity_hints: { ani: '+14155551234' },
    });
    void sticky.calls.start({
      call_id: 'CA1',
      identity_hints: { ani: '+14155551234' },
      // @ts-expect-error satellite is not a line type
      telco: { line_type: 'satellite' },
    });
    // @ts-expect-error identity_hints is required
    void sticky.calls.start({ call_id: 'CA1' });
    void sticky.calls.start({
      call_id: 'CA1',
      // @ts-expect-error the flat body of some docs (ani at the top level) is not the API's form
      ani: '+14155551234',
    });
  });
});

describe('EndCallParams', () => {
  test('intent_status accepts the documented statuses and any other string', () => {
    expectTypeOf<'open' | 'resolved' | 'abandoned'>().toExtend<IntentStatusParam>();
    expectTypeOf<string>().toExtend<IntentStatusParam>();
    expectTypeOf<'closed'>().toExtend<IntentStatusParam>();
    expectTypeOf<number>().not.toExtend<IntentStatusParam>();
    expectTypeOf<boolean>().not.toExtend<IntentStatusParam>();
  });

  test('intent_status keeps the documented statuses visible to editors (not widened to string)', () => {
    expectTypeOf<Extract<IntentStatusParam, KnownIntentStatus>>().toEqualTypeOf<KnownIntentStatus>();
  });

  test('variables accept string, number and boolean values, nothing else', () => {
    expectTypeOf<string>().toExtend<VariableValue>();
    expectTypeOf<number>().toExtend<VariableValue>();
    expectTypeOf<boolean>().toExtend<VariableValue>();
    expectTypeOf<{ name: string; amount: number; vip: boolean }>().toExtend<
      NonNullable<EndCallParams['variables']>
    >();
    expectTypeOf<null>().not.toExtend<VariableValue>();
    expectTypeOf<{ value: string }>().not.toExtend<VariableValue>();
    expectTypeOf<string[]>().not.toExtend<VariableValue>();
  });

  test('call_id is a required string', () => {
    expectTypeOf<EndCallParams['call_id']>().toEqualTypeOf<string>();
  });

  test('wrong requests do not compile', () => {
    const sticky = createStickyCallsClient({ apiKey: 'sk_test_123' });
    void sticky.calls.end({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      // @ts-expect-error intent_status is a string
      intent_status: true,
    });
    void sticky.calls.end({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      // @ts-expect-error variable values are strings, numbers or booleans
      variables: { summary: { text: 'refund' } },
    });
  });
});

describe('the client', () => {
  test('calls.start takes StartCallParams and resolves to a StartCallResponse', () => {
    expectTypeOf<Client['calls']['start']>().parameter(0).toEqualTypeOf<StartCallParams>();
    expectTypeOf<Client['calls']['start']>().returns.resolves.toEqualTypeOf<StartCallResponse>();
  });

  test('calls.end resolves to a result with already_saved: boolean', () => {
    expectTypeOf<Client['calls']['end']>().parameter(0).toEqualTypeOf<EndCallParams>();
    expectTypeOf<Client['calls']['end']>()
      .returns.resolves.toHaveProperty('already_saved')
      .toEqualTypeOf<boolean>();
    expectTypeOf<Client['calls']['end']>().returns.resolves.toHaveProperty('call_id').toEqualTypeOf<string>();
    expectTypeOf<EndCallResult>().toExtend<EndCallResponse>();
  });

  test('createStickyCallsClient returns a StickyCallsClient', () => {
    expectTypeOf(createStickyCallsClient).returns.toEqualTypeOf<StickyCallsClient>();
  });
});

describe('readCallerContext', () => {
  test('returns a union discriminated by state', () => {
    expectTypeOf(readCallerContext).returns.toEqualTypeOf<CallerContextState>();
    expectTypeOf<CallerContextState['state']>().toEqualTypeOf<'absent' | 'invalid' | 'degraded' | 'ready'>();
  });

  test('narrowing on state gives each branch its own fields', () => {
    expectTypeOf<
      Extract<CallerContextState, { state: 'ready' }>['context']
    >().toEqualTypeOf<CallerContextAttribute>();
    expectTypeOf<
      Extract<CallerContextState, { state: 'degraded' }>['reason']
    >().toEqualTypeOf<DegradedReason>();
    expectTypeOf<Extract<CallerContextState, { state: 'invalid' }>['problem']>().toEqualTypeOf<string>();
    expectTypeOf<Extract<CallerContextState, { state: 'absent' }>>().toEqualTypeOf<{
      readonly state: 'absent';
    }>();

    const caller = readCallerContext({});
    // @ts-expect-error context only exists once state is 'ready'
    void caller.context;
    if (caller.state === 'ready') {
      expectTypeOf(caller.context.customer_ref).toEqualTypeOf<string | null>();
      expectTypeOf(caller.context.vars).toEqualTypeOf<Record<string, string>>();
    }
  });
});

describe('no public type is any', () => {
  test('requests and responses', () => {
    expectTypeOf<StartCallParams>().not.toBeAny();
    expectTypeOf<StartCallParams['identity_hints']>().not.toBeAny();
    expectTypeOf<StartCallResponse>().not.toBeAny();
    expectTypeOf<StartCallResponse['identity']>().not.toBeAny();
    expectTypeOf<CallerIdentity['level']>().not.toBeAny();
    expectTypeOf<CallerIdentity['recommendation']>().not.toBeAny();
    expectTypeOf<StartCallResponse['variables']>().not.toBeAny();
    expectTypeOf<StartCallResponse['open_intents']>().not.toBeAny();
    expectTypeOf<StartCallResponse['call_start']>().not.toBeAny();
    expectTypeOf<EndCallParams>().not.toBeAny();
    expectTypeOf<IntentStatusParam>().not.toBeAny();
    expectTypeOf<VariableValue>().not.toBeAny();
    expectTypeOf<EndCallResult>().not.toBeAny();
    expectTypeOf<EndCallResponse['intents_updated']>().not.toBeAny();
    expectTypeOf<EndCallResponse['variables_updated']>().not.toBeAny();
  });

  test('the client, the reader and the helpers', () => {
    expectTypeOf<StickyCallsClient>().not.toBeAny();
    expectTypeOf<Client['calls']['start']>().returns.resolves.not.toBeAny();
    expectTypeOf<Client['calls']['end']>().returns.resolves.not.toBeAny();
    expectTypeOf<CallerContextState>().not.toBeAny();
    expectTypeOf<CallerContextAttribute>().not.toBeAny();
    expectTypeOf<CallerNumber>().not.toBeAny();
    expectTypeOf(parseCallerNumber).returns.not.toBeAny();
    expectTypeOf(identityTier).returns.toEqualTypeOf<IdentityTier>();
  });
});

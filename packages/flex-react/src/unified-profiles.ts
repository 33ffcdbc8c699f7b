/**
 * Whether this Flex shows Unified Profiles, read as Flex 2.17 itself decides it: Panel 2
 * renders `UnifiedProfilesContainer` (instead of the CRM container) when the
 * `flex-unify-panel` feature is enabled and `AgentDesktopView`'s Panel 2 settings show it.
 * Nothing else tells a plugin: the feature is not on `manager.configuration`, and the
 * container is exported whether or not the account has it.
 */
import type { FlexLike, ManagerLike } from './flex-types.js';

/** Flex's feature flag for Unified Profiles in Panel 2 (`FeatureFlag.FlexUnifyPanel`). */
export const UNIFIED_PROFILES_FEATURE = 'flex-unify-panel';

type Loose = Readonly<Record<string, unknown>>;

/** An object or a function (a component class, whose statics are read), else nothing. */
function record(value: unknown): Loose | undefined {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
    ? (value as Loose)
    : undefined;
}

/**
 * Whether a Flex feature is on: the features Flex fetched at login
 * (`state.flex.featureFlags.features`) with the configuration's `featureOverrides` and
 * `FeatureFlags.set` over them (`localOverrides`), as Flex's `FeatureFlags.isEnabled` reads them.
 */
export function featureEnabled(manager: ManagerLike, id: string): boolean {
  let state: unknown;
  try {
    state = manager.store?.getState();
  } catch {
    return false;
  }
  const flags = record(record(record(state)?.flex)?.featureFlags);
  const override = record(record(flags?.localOverrides)?.[id])?.enabled;
  if (override !== undefined) return Boolean(override);
  return Boolean(record(record(flags?.features)?.[id])?.enabled);
}

/**
 * Whether Panel 2 shows the Unified Profiles container: the feature on, and
 * `flex.AgentDesktopView.defaultProps` (where admins change them) neither hiding Panel 2
 * (`showPanel2`) nor leaving Unified Profiles out of it (`panel2ViewProps`: Flex replaces
 * the whole object, so a key left out counts as off).
 */
export function showsUnifiedProfiles(flex: FlexLike, manager: ManagerLike): boolean {
  if (!featureEnabled(manager, UNIFIED_PROFILES_FEATURE)) return false;
  const defaults = record(record((flex as unknown as Loose).AgentDesktopView)?.defaultProps) ?? {};
  if (defaults.showPanel2 !== undefined && !defaults.showPanel2) return false;
  if (defaults.panel2ViewProps === undefined) return true;
  const panel2 = record(defaults.panel2ViewProps) ?? {};
  return (
    Boolean(panel2.showFlexUnifyContainer) && Boolean(panel2.showCRMContainer || panel2.showProfileConnector)
  );
}

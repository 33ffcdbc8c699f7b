/**
 * The save-context URL's rule, shared by `registerCallerContext` (in the agent's browser)
 * and the plugin's build (examples/flex-plugin/webpack.config.js), so a URL the browser
 * would refuse fails the build first.
 */
import { ConfigurationError } from '@stickycalls/core';
import type { FlexLike } from './flex-types.js';
import type { StickyCallsStrings } from './strings.js';

const EXAMPLE = 'https://sticky-calls-1234-dev.twil.io/save-context';

/** The notification an agent sees when the plugin was built with a save URL it cannot use. */
export const SAVE_URL_NOTIFICATION_ID = 'StickyCallsSaveUrlInvalid';

/**
 * What is wrong with a save-context URL, as the end of a sentence that starts with its name
 * ("… is not a URL: give …"), or `undefined` when it can be used: an absolute `https://` URL
 * with a path (`http://` for localhost and 127.0.0.1 only: the agent's Flex token is sent to
 * it). Pure; never throws.
 */
export function checkSaveContextUrl(url: unknown): string | undefined {
  if (url !== undefined && typeof url !== 'string') {
    return `is not a string: give the https:// URL of your save-context Function, e.g. ${EXAMPLE}`;
  }
  const value = (url ?? '').trim();
  if (value === '')
    return `is empty: set it to the https:// URL of your save-context Function, e.g. ${EXAMPLE}`;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `is not a URL: give the full https:// address of your save-context Function, e.g. ${EXAMPLE}`;
  }
  const local = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1';
  if (parsed.protocol === 'http:' && !local) {
    return `uses http://, but the agent’s Flex token is sent to it: use https:// (http:// is for localhost only), e.g. ${EXAMPLE}`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return `uses ${parsed.protocol}, not https://: give the https:// URL of your save-context Function, e.g. ${EXAMPLE}`;
  }
  if (parsed.pathname === '' || parsed.pathname === '/') {
    return `has no path: add your save-context Function’s path, e.g. ${EXAMPLE}`;
  }
  return undefined;
}

/**
 * Tells the agent, once, that wrap-ups are not saved (a Flex notification, registered and
 * shown now), and the admin why (one console line). Adds the notification's removal to
 * `cleanups`.
 */
export function reportUnusableSaveUrl(
  flex: FlexLike,
  problem: string,
  strings: () => StickyCallsStrings,
  cleanups: (() => void)[],
): void {
  // The problem names the option and the URL's fault, never a token.
  console.error(
    `registerCallerContext: saveContextUrl ${problem}. Until the plugin is built again with it, ` +
      'the caller context panel shows without the wrap-up form and wrap-ups are not saved.',
  );
  const notifications = flex.Notifications;
  if (typeof notifications?.registerNotification !== 'function') return;
  if (notifications.registeredNotifications?.has?.(SAVE_URL_NOTIFICATION_ID)) {
    throw new ConfigurationError(
      `registerCallerContext: notification ${SAVE_URL_NOTIFICATION_ID} is already registered: call the cleanup function of the earlier registerCallerContext first`,
    );
  }
  const type = flex.NotificationType?.error ?? 'error';
  notifications.registerNotification({
    id: SAVE_URL_NOTIFICATION_ID,
    type,
    content: strings().StickyCallsNotifySaveUrlInvalid,
    timeout: 0,
    closeButton: true,
  });
  cleanups.push(() => {
    safely(() => notifications.dismissNotificationById(SAVE_URL_NOTIFICATION_ID));
    safely(() => notifications.registeredNotifications?.delete(SAVE_URL_NOTIFICATION_ID));
  });
  safely(() => notifications.showNotification(SAVE_URL_NOTIFICATION_ID));
}

function safely(run: () => unknown): void {
  try {
    run();
  } catch {
    // Flex refused (another plugin's listener): the console line stays.
  }
}

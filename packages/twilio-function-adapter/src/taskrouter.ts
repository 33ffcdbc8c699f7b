/**
 * TaskRouter in Functions: the core's port, reached through the Twilio client the
 * runtime gives (`context.getTwilioClient()`).
 */
import {
  ConfigurationError,
  createTaskRouterPort,
  type TaskRouterOptions,
  type TaskRouterPort,
  type TwilioRequester,
  workspaceSidOf,
} from '@stickycalls/core';
import type { FunctionContext } from './runtime.js';

/**
 * The TaskRouter port of a Function's context: the workspace `TWILIO_WORKSPACE_SID`,
 * reached with `context.getTwilioClient()` (ACCOUNT_SID and AUTH_TOKEN). A
 * `ConfigurationError` when either is missing or unusable. Its methods reject with a
 * `ConfigurationError` too when a retry cannot help: TaskRouter refusing the
 * credentials (401, 403), the client failing before reaching TaskRouter, or the
 * workspace not found; and with a `TaskRouterError` when TaskRouter failed or could not
 * be reached.
 *
 * @example
 * const taskRouter = createTaskRouter(context);
 * if (taskRouter instanceof ConfigurationError) return notConfigured(taskRouter);
 * const task = await taskRouter.fetchTask(taskSid);
 */
export function createTaskRouter(
  context: FunctionContext,
  options: TaskRouterOptions = {},
): TaskRouterPort | ConfigurationError {
  const workspaceSid = workspaceSidOf(context);
  if (workspaceSid instanceof ConfigurationError) return workspaceSid;
  if (typeof context.getTwilioClient !== 'function') {
    return new ConfigurationError('context.getTwilioClient() is missing: the save Function needs TaskRouter');
  }
  let client: unknown;
  try {
    client = context.getTwilioClient();
  } catch {
    // Twilio's own message may quote the settings; say which ones to check instead.
    return new ConfigurationError('context.getTwilioClient() failed: check ACCOUNT_SID and AUTH_TOKEN');
  }
  if (typeof (client as Partial<TwilioRequester> | null)?.request !== 'function') {
    return new ConfigurationError('context.getTwilioClient() gave no Twilio client');
  }
  return createTaskRouterPort(
    workspaceSid,
    client as TwilioRequester,
    options,
    'the Twilio client of context.getTwilioClient()',
  );
}

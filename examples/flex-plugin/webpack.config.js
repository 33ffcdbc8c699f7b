// Hook of the Flex Plugins CLI (flex-plugin-scripts), kept here as `twilio flex:plugins:create`
// makes it: it receives the production webpack configuration and returns it, changed or not.
// The second argument is `{ isProd, isDev, isTest }`. scripts/build.mjs runs it the same way.
//
// It also checks FLEX_APP_SAVE_CONTEXT_URL, the value the build writes into the bundle, with
// the rule registerCallerContext applies in the agent's browser: a URL it cannot use fails
// the build here rather than leaving every agent without the wrap-up.
const { checkSaveContextUrl } = require('@stickycalls/flex-react');

module.exports = (config) => {
  checkSaveContextUrlSetting(config);

  /**
   * Customize the webpack by modifying the config object.
   * Consult https://webpack.js.org/configuration for more information
   */

  return config;
};

/**
 * Reads the setting where both builds put it: the `process.env` definitions of the
 * configuration's DefinePlugin (the environment, then `.env`, then `.<profile>.env`, each
 * value a JSON string).
 */
function checkSaveContextUrlSetting(config) {
  const name = 'FLEX_APP_SAVE_CONTEXT_URL';
  const env = (config.plugins || [])
    .map((plugin) => plugin?.definitions?.['process.env'])
    .find((definitions) => typeof definitions === 'object' && definitions !== null);
  if (env === undefined) return;
  const value = typeof env[name] === 'string' ? JSON.parse(env[name]) : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    console.warn(
      `${name} is not set (.env): this bundle shows the caller context panel, but no wrap-up form, and saves nothing.`,
    );
    return;
  }
  const problem = checkSaveContextUrl(value);
  if (problem !== undefined) {
    const error = new Error(
      `${name}=${value} ${problem}. Set it in .env (a .<profile>.env file or the environment may set it too) and build again.`,
    );
    // The message is the whole story: no stack trace under it.
    error.stack = error.message;
    throw error;
  }
}

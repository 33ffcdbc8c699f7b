// Hook of the Flex Plugins CLI (flex-plugin-scripts), kept here as `twilio flex:plugins:create`
// makes it: it receives the production webpack configuration and returns it, changed or not.
// The second argument is `{ isProd, isDev, isTest }`. scripts/build.mjs runs it the same way.
module.exports = (config) => {
  /**
   * Customize the webpack by modifying the config object.
   * Consult https://webpack.js.org/configuration for more information
   */

  return config;
};

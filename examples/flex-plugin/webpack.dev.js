// Hook of the Flex Plugins CLI for `twilio flex:plugins:start` (webpack-dev-server's
// options), as `twilio flex:plugins:create` makes it. The second argument is
// `{ isProd, isDev, isTest }`. Not used by this repository's build.
module.exports = (config) => {
  /**
   * Customize the webpack by modifying the config object.
   * Consult https://webpack.js.org/configuration/dev-server for more information.
   */

  return config;
};

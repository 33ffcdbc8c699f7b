// Copy to public/appConfig.js for `twilio flex:plugins:start` (local Flex with this plugin).
// Flex's own configuration (https://www.twilio.com/docs/flex/developer/ui/configuration);
// the Sticky Calls settings are in .env, not here.
// biome-ignore lint/correctness/noUnusedVariables: a global that Flex's page reads.
var appConfig = {
  pluginService: {
    enabled: true,
    url: '/plugins',
  },
  ytica: false,
  logLevel: 'debug',
  showSupervisorDesktopView: true,
};

// What `@twilio/flex-ui` resolves to in the bundle, as in flex-plugin-scripts (its
// dev_assets/flex-shim.js): the Flex already on the page. Bundled untranspiled, so no
// syntax newer than ES2019 here (webpack 4's parser rejects `?.`).
var twilio = window.Twilio;
var flexInstance = twilio.Flex;
// biome-ignore lint/complexity/useOptionalChain: bundled untranspiled by webpack 4, which cannot parse `?.`.
if (twilio.FlexProxy && twilio.FlexProxy[__FPB_PLUGIN_UNIQUE_NAME]) {
  flexInstance = twilio.FlexProxy[__FPB_PLUGIN_UNIQUE_NAME];
}
module.exports = flexInstance;

// BASELINE: the vendor's Flex guide's screen-pop panel, as the guide tells users to write
// it (see ../README.md): it reads the flat task attributes, parses `variables` and
// `open_intents` with JSON.parse, shows "New caller" below confidence 0.5, else the
// confidence as a percentage with the level, then the variables and the open intents
// with their attempt counts. The guide writes JSX; this is the same tree written with
// React.createElement so that it runs without a build step.
const React = require('react');

const h = React.createElement;

function CallerContextPanel({ task }) {
  const attributes = task.attributes || {};
  const confidence = attributes.identity_confidence || 0;
  const variables = JSON.parse(attributes.variables || '{}');
  const openIntents = JSON.parse(attributes.open_intents || '[]');

  if (confidence < 0.5) {
    return h('div', { className: 'sticky-calls-panel' }, h('h3', null, 'New caller'));
  }

  return h(
    'div',
    { className: 'sticky-calls-panel' },
    h('h3', null, `Returning caller (${Math.round(confidence * 100)}% ${attributes.identity_level})`),
    h('p', null, `Customer: ${attributes.customer_ref}`),
    h(
      'div',
      null,
      h('h4', null, 'Previous context'),
      Object.entries(variables).map(([key, variable]) =>
        h('p', { key }, h('strong', null, `${key}: `), variable.value),
      ),
    ),
    openIntents.length > 0
      ? h(
          'div',
          null,
          h('h4', null, 'Open issues'),
          openIntents.map((intent) =>
            h('p', { key: intent.intent }, `${intent.intent} (attempt ${intent.attempt_count})`),
          ),
        )
      : null,
  );
}

module.exports = { CallerContextPanel };

// BASELINE: the vendor's Flex guide's call-start Function, written as the guide tells
// users to write it (see ../../README.md). Not our code and not a recommendation: it
// is what the SDK is measured against. The one change is the base URL, read from the
// context so that the benchmark can point it at the local emulator (the guide writes
// https://api.stickycalls.com inline).
const axios = require('axios');

exports.handler = async (context, event, callback) => {
  const baseUrl = context.STICKY_CALLS_BASE_URL || 'https://api.stickycalls.com';
  try {
    const response = await axios.post(
      `${baseUrl}/v1/calls/start`,
      {
        call_id: event.CallSid,
        identity_hints: {
          ani: event.From,
          external_ids: { twilio_call_sid: event.CallSid },
        },
      },
      {
        headers: {
          Authorization: `Bearer ${context.STICKY_CALLS_API_KEY}`,
          'Content-Type': 'application/json',
        },
      },
    );
    const data = response.data;
    return callback(null, {
      customer_ref: data.customer_ref,
      identity_confidence: data.identity.confidence,
      identity_level: data.identity.level,
      variables: JSON.stringify(data.variables),
      open_intents: JSON.stringify(data.open_intents),
      call_start: data.call_start,
    });
  } catch (error) {
    console.error('Sticky Calls API error:', error);
    return callback(null, {
      customer_ref: '',
      identity_confidence: 0,
      identity_level: 'none',
      variables: '{}',
    });
  }
};

// BASELINE: the vendor's Flex guide's wrap-up Function, written as the guide tells users
// to write it (see ../../README.md): public and unauthenticated, axios with no timeout,
// calls/end with variables {summary, disposition}. The one change is the base URL, read
// from the context so that the benchmark can point it at the local emulator.
const axios = require('axios');

exports.handler = async (context, event, callback) => {
  const baseUrl = context.STICKY_CALLS_BASE_URL || 'https://api.stickycalls.com';
  const response = new Twilio.Response();
  response.appendHeader('Access-Control-Allow-Origin', '*');
  response.appendHeader('Access-Control-Allow-Methods', 'OPTIONS, POST');
  response.appendHeader('Access-Control-Allow-Headers', 'Content-Type');
  response.appendHeader('Content-Type', 'application/json');
  try {
    const result = await axios.post(
      `${baseUrl}/v1/calls/end`,
      {
        call_id: event.CallSid,
        customer_ref: event.CustomerRef,
        intent: event.Intent,
        intent_status: event.IntentStatus,
        variables: {
          summary: event.AgentNotes,
          disposition: event.Disposition,
        },
      },
      {
        headers: {
          Authorization: `Bearer ${context.STICKY_CALLS_API_KEY}`,
          'Content-Type': 'application/json',
        },
      },
    );
    response.setBody({ success: true, data: result.data });
    return callback(null, response);
  } catch (error) {
    console.error('Error saving call context:', error);
    response.setStatusCode(500);
    response.setBody({ success: false, error: error.message });
    return callback(null, response);
  }
};

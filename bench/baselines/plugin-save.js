// BASELINE: the vendor's Flex guide's plugin listener on `afterCompleteTask`, which posts
// the wrap-up from the agent's browser to the save Function with a plain fetch. The guide
// registers it as
//   flex.Actions.addListener('afterCompleteTask', (payload) => saveWrapUp(FUNCTION_URL, payload.task));
// and reads task.workspaceNote and task.disposition (which a real Flex task does not have)
// and taskChannelUniqueName as the intent. Exported as a function so the benchmark can
// call it with a task object; the request it sends is the guide's.
async function saveWrapUp(functionUrl, task) {
  const response = await fetch(`${functionUrl}/save-context`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      CallSid: task.attributes.call_sid,
      CustomerRef: task.attributes.customer_ref,
      Intent: task.taskChannelUniqueName,
      IntentStatus: task.attributes.intent_resolved ? 'closed' : 'open',
      AgentNotes: task.workspaceNote,
      Disposition: task.disposition,
    }),
  });
  return response;
}

module.exports = { saveWrapUp };

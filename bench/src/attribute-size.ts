/**
 * Task-attribute size of the same context in the SDK's namespaced layout
 * (`{"sticky_calls": …}` as toTaskAttributes writes it) and in the guide's flat layout
 * (variables and open_intents as JSON strings), serialised as TaskRouter counts them.
 * These are exact character counts, not timings, so one run gives them.
 */

import type { StartCallResponse } from '@stickycalls/core';
import { TASK_ATTRIBUTES_LIMIT, toTaskAttributes } from '@stickycalls/core';
import { growing, guideAttributes, LARGE, SMALL, TYPICAL } from './contexts.js';
import { chars, type Row } from './report.js';

/** The SDK's largest namespaced budget (it keeps 512 for Flex and at least 512 for the flat keys). */
const OPTIONS = { budget: 3072, flatBudget: 512, maxValueLength: 4096 } as const;

function ours(response: StartCallResponse): { size: number; complete: boolean } {
  const attribute = toTaskAttributes(response, OPTIONS).sticky_calls;
  const complete = attribute.status === 'ok' && !attribute.truncated;
  return { size: JSON.stringify({ sticky_calls: attribute }).length, complete };
}
const guide = (response: StartCallResponse) => JSON.stringify(guideAttributes(response)).length;

export function attributeSize(): Row[] {
  const section = 'Task-attribute size (same context)';
  const rows: Row[] = [];
  for (const [name, context] of [
    ['small (new caller)', SMALL],
    ['typical (5 variables, 1 open intent)', TYPICAL],
    ['large (12 notes of ~115 ch, 4 open intents)', LARGE],
  ] as const) {
    const o = ours(context);
    const g = guide(context);
    rows.push({
      section,
      measure: name,
      ours: `${chars(o.size)}${o.complete ? '' : ' (truncated)'}`,
      baseline: chars(g),
      ratio: `${(o.size / g).toFixed(2)}×`,
      target: '',
    });
  }
  let oursMax = 0;
  let guideMax = 0;
  for (let n = 0; n <= 200; n++) {
    const context = growing(n);
    const o = ours(context);
    if (o.complete && o.size <= TASK_ATTRIBUTES_LIMIT) oursMax = n;
    if (guide(context) <= TASK_ATTRIBUTES_LIMIT) guideMax = n;
  }
  rows.push({
    section,
    measure:
      'largest context kept whole: notes of ~80 ch (+2 intents); ours within its 3,072 budget, the guide within all 4,096',
    ours: `${oursMax} notes (${chars(ours(growing(oursMax)).size)})`,
    baseline: `${guideMax} notes (${chars(guide(growing(guideMax)))})`,
    ratio: `${(oursMax / guideMax).toFixed(2)}×`,
    target: '',
  });
  return rows;
}

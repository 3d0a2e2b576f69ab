import type { Scenario } from '../scenario.ts';

/** The scenarios `npm run bench` measures after the ceilings, in this order. */
export const scenarios: Scenario[] = [];

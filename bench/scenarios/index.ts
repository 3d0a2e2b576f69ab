import type { Scenario } from '../scenario.ts';
import { saomaScenarios } from './saoma.ts';

/** The scenarios `npm run bench` measures after the ceilings, in this order. */
export const scenarios: Scenario[] = [...saomaScenarios];

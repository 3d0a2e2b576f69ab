import type { Area } from '../section.ts';
import { reports } from './reports.tsx';
import { reconcile } from './reconcile.tsx';
import { money } from './money.tsx';
import { risk } from './risk.tsx';
import { setup } from './setup.tsx';
import { paper } from './paper.tsx';

/** The console's areas in the order the navigation shows them; an area with no pages is not shown. */
export const AREAS: readonly Area[] = [reports, reconcile, money, risk, setup, paper];

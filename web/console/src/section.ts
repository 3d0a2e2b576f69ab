import type { ComponentChildren } from 'preact';
import type { Lang } from '../../shared/lang.ts';
import type { Ctx } from './ctx.ts';

/**
 * One page of the console. Each area of the back office (paper, reports, reconciliation, money, risk,
 * setup) lists its pages in its own file under `areas/`, so areas grow without touching each other;
 * the shell builds the navigation from them. A page's `id` is its address: `/console#/<id>`, and its
 * navigation button is `#tab-<id>`.
 */
export interface Section {
  id: string;
  label: Record<Lang, string>;
  render: (ctx: Ctx) => ComponentChildren;
}

export interface Area {
  id: string;
  label: Record<Lang, string>;
  sections: readonly Section[];
}

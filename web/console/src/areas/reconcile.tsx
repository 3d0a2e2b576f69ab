import type { Area } from '../section.ts';
import { reconDict } from '../screens/reconcile/dict.ts';
import { Runs } from '../screens/reconcile/runs.tsx';
import { OpenMismatches } from '../screens/reconcile/open.tsx';

const label = (k: 'tabRuns' | 'tabOpen') => ({ en: reconDict('en')(k), 'zh-Hans': reconDict('zh-Hans')(k), 'zh-Hant': reconDict('zh-Hant')(k) });

/** The console's Reconciliation pages: reconciliation runs with the wallets' bills, mismatches and repairs. */
export const reconcile: Area = {
  id: 'reconcile',
  label: { en: 'Reconciliation', 'zh-Hans': '对账', 'zh-Hant': '對帳' },
  sections: [
    { id: 'reconcile-runs', label: label('tabRuns'), render: (ctx) => <Runs ctx={ctx} /> },
    { id: 'reconcile-open', label: label('tabOpen'), render: (ctx) => <OpenMismatches ctx={ctx} /> },
  ],
};

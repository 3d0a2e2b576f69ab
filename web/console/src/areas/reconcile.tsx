import type { Area } from '../section.ts';

/** The console's Reconciliation pages: reconciliation runs with the wallets' bills, mismatches and repairs. */
export const reconcile: Area = {
  id: 'reconcile',
  label: { en: 'Reconciliation', 'zh-Hans': '对账', 'zh-Hant': '對帳' },
  sections: [],
};

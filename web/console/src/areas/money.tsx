import type { Area } from '../section.ts';

/** The console's Money pages: settlement accounts, fee plans, the fee advisor, statements and withdrawals. */
export const money: Area = {
  id: 'money',
  label: { en: 'Money', 'zh-Hans': '资金', 'zh-Hant': '資金' },
  sections: [],
};

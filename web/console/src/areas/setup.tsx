import type { Area } from '../section.ts';

/** The console's Staff & setup pages: operators, terminals, API keys, wallet accounts, training. */
export const setup: Area = {
  id: 'setup',
  label: { en: 'Staff & setup', 'zh-Hans': '员工与设置', 'zh-Hant': '員工與設定' },
  sections: [],
};

import type { Area } from '../section.ts';

/** The console's Risk & audit pages: risk rules, the alert centre, the audit log. */
export const risk: Area = {
  id: 'risk',
  label: { en: 'Risk & audit', 'zh-Hans': '风控与审计', 'zh-Hant': '風控與稽核' },
  sections: [],
};

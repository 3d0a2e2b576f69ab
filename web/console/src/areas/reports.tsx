import type { Area } from '../section.ts';

/** The console's Reports pages: sales, the daily report (日结) and charts of takings. */
export const reports: Area = {
  id: 'reports',
  label: { en: 'Reports', 'zh-Hans': '报表', 'zh-Hant': '報表' },
  sections: [],
};

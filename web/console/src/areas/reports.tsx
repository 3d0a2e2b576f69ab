import type { Area } from '../section.ts';
import { reportsDict } from '../screens/reports/dict.ts';
import { Overview } from '../screens/reports/overview.tsx';
import { Sales } from '../screens/reports/sales.tsx';
import { Daily } from '../screens/reports/daily.tsx';

const label = (k: 'tabOverview' | 'tabSales' | 'tabDaily') => ({ en: reportsDict('en')(k), 'zh-Hans': reportsDict('zh-Hans')(k), 'zh-Hant': reportsDict('zh-Hant')(k) });

/** The console's Reports pages: sales, the daily report (日结) and charts of takings. */
export const reports: Area = {
  id: 'reports',
  label: { en: 'Reports', 'zh-Hans': '报表', 'zh-Hant': '報表' },
  sections: [
    { id: 'takings', label: label('tabOverview'), render: (ctx) => <Overview ctx={ctx} /> },
    { id: 'sales', label: label('tabSales'), render: (ctx) => <Sales ctx={ctx} /> },
    { id: 'daily', label: label('tabDaily'), render: (ctx) => <Daily ctx={ctx} /> },
  ],
};

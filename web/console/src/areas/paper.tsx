import type { Area } from '../section.ts';
import { DICTS, type Key } from '../i18n.ts';
import { Templates } from '../screens/templates.tsx';
import { Printers } from '../screens/printers.tsx';
import { Batch } from '../screens/batch.tsx';
import { Verification } from '../screens/verification.tsx';
import { Stands } from '../screens/stands.tsx';

const label = (k: Key) => ({ en: DICTS.en[k], 'zh-Hans': DICTS['zh-Hans'][k], 'zh-Hant': DICTS['zh-Hant'][k] });

/** Receipts, printers and the printed QR stands. */
export const paper: Area = {
  id: 'paper',
  label: { en: 'Paper & stands', 'zh-Hans': '小票与台卡', 'zh-Hant': '收據與立牌' },
  sections: [
    { id: 'templates', label: label('tabTemplates'), render: (ctx) => <Templates ctx={ctx} /> },
    { id: 'printers', label: label('tabPrinters'), render: (ctx) => <Printers ctx={ctx} /> },
    { id: 'batch', label: label('tabBatch'), render: (ctx) => <Batch ctx={ctx} /> },
    { id: 'verification', label: label('tabVerification'), render: (ctx) => <Verification ctx={ctx} /> },
    { id: 'stands', label: label('tabStands'), render: (ctx) => <Stands ctx={ctx} /> },
  ],
};

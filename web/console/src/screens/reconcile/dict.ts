import { defineDict } from '../../dict.ts';

/** The words of the reconciliation pages in three languages. */
export const reconDict = defineDict({
  tabRuns: 'Runs', tabOpen: 'To repair', run: 'Reconcile', date: 'Day', wallet: 'Wallet', state: 'State', lines: 'Bill lines', matched: 'Matched', open: 'Open',
  holding: 'Holding', bill: 'Bill', ours: 'Our books', payments: 'Payments', refunds: 'Refunds', fees: 'Fees', export: 'Export CSV', details: 'Details',
  type: 'Type', trade: 'Trade no.', walletAmount: 'Wallet', ourAmount: 'Ours', delta: 'Difference', repair: 'Repair', trustWallet: 'Trust the wallet',
  trustSaoma: 'Trust Saoma', reason: 'Why', evidence: 'Evidence (ticket, statement line)', nothingOpen: 'Nothing waits for a person.', running: 'Reconciling…',
  noRuns: 'No reconciliation yet. Pick a day and a wallet, then Reconcile.', resolved: 'Repaired', needReason: 'Say why (at least two characters).', loading: 'Loading…',
  wallet_only: 'Wallet only (long)', not_paid_in_saoma: 'Paid at the wallet, unpaid here (long, late payment)', saoma_only: 'Ours only (short)', amount: 'Amount differs', fee: 'Fee differs', status: 'Status differs',
}, {
  tabRuns: '对账记录', tabOpen: '待处理差错', run: '对账', date: '账单日', wallet: '渠道', state: '状态', lines: '账单行数', matched: '一致', open: '未处理',
  holding: '缓冲池', bill: '渠道账单', ours: '平台账', payments: '支付', refunds: '退款', fees: '手续费', export: '导出 CSV', details: '明细',
  type: '差错类型', trade: '订单号', walletAmount: '渠道', ourAmount: '平台', delta: '差额', repair: '处理', trustWallet: '以渠道为准',
  trustSaoma: '以平台为准', reason: '原因', evidence: '凭证（工单号、账单行）', nothingOpen: '没有待处理的差错。', running: '对账中…',
  noRuns: '还没有对账记录。选择日期和渠道后点“对账”。', resolved: '已处理', needReason: '请填写原因（至少两个字）。', loading: '加载中…',
  wallet_only: '长款·平台漏单', not_paid_in_saoma: '长款·状态不符（迟到付款）', saoma_only: '短款·渠道漏单', amount: '金额不符', fee: '手续费不符', status: '状态不符',
}, {
  tabRuns: '對帳紀錄', tabOpen: '待處理差異', run: '對帳', date: '帳單日', wallet: '通路', state: '狀態', lines: '帳單行數', matched: '一致', open: '未處理',
  holding: '緩衝池', bill: '通路帳單', ours: '平台帳', payments: '支付', refunds: '退款', fees: '手續費', export: '匯出 CSV', details: '明細',
  type: '差異類型', trade: '訂單號', walletAmount: '通路', ourAmount: '平台', delta: '差額', repair: '處理', trustWallet: '以通路為準',
  trustSaoma: '以平台為準', reason: '原因', evidence: '憑證（工單號、帳單行）', nothingOpen: '沒有待處理的差異。', running: '對帳中…',
  noRuns: '還沒有對帳紀錄。選擇日期和通路後按「對帳」。', resolved: '已處理', needReason: '請填寫原因（至少兩個字）。', loading: '載入中…',
  wallet_only: '長款·平台漏單', not_paid_in_saoma: '長款·狀態不符（遲到付款）', saoma_only: '短款·通路漏單', amount: '金額不符', fee: '手續費不符', status: '狀態不符',
});

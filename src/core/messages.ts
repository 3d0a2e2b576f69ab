import type { ErrorCode } from './errors.ts';

/**
 * What each error means, in the languages of our users, for people reading it at a counter. The
 * English message on each error is the most specific (it names values); these say the same thing in
 * Chinese, with the details that matter filled in.
 */
export type Locale = 'en' | 'zh-Hans' | 'zh-Hant';

type Details = Record<string, unknown> | undefined;
type Catalog = Record<ErrorCode, (d: Details) => string>;

const n = (d: Details, k: string) => String(d?.[k] ?? '');

/** "（标签 54，第 71 个字符处）" when the error names a place in the payload; nothing when it does not. */
const emvPlace = (d: Details, tag: string, offset: string, close: string) =>
  d?.tag !== undefined && d?.offset !== undefined ? `（${tag} ${n(d, 'tag')}，第 ${n(d, 'offset')} ${offset}）${close}` : close;

const zhHans: Catalog = {
  invalid_request: () => '请求不正确：请检查填写的内容。',
  invalid_json: () => '请求内容不是有效的 JSON。',
  invalid_amount: () => '金额不正确：请输入大于零的金额（以分为单位的整数）。',
  unknown_currency: () => '不支持该币种，请使用 ISO 4217 代码，如 CNY。',
  currency_mismatch: () => '币种与订单不一致。',
  invalid_emv_payload: (d) => `二维码内容不符合 EMVCo 格式${emvPlace(d, '标签', '个字符处', '。')}`,
  invalid_payment_code: (d) => d?.reason === 'product_barcode' ? '扫到的是商品条码，不是付款码，请扫描顾客手机上的付款码。'
    : d?.looksLike === 'url' ? '扫到的是网址或收款码，不是付款码，请顾客打开付款码页面。'
    : '无法识别该付款码，请重新扫描或请顾客刷新付款码。',
  unauthenticated: () => '未登录或凭证无效，请重新登录终端或检查 API 密钥。',
  bad_signature: () => '签名不正确，请检查 API 密钥和签名方法。',
  stale_timestamp: () => '请求时间与服务器相差超过 5 分钟，请校准设备时钟。',
  replayed_nonce: () => '该请求已处理过（nonce 重复），请使用新的 nonce。',
  bad_pin: (d) => `密码错误，还可尝试 ${n(d, 'triesLeft')} 次。`,
  operator_locked: (d) => `密码错误次数过多，该收银员已被锁定至 ${n(d, 'lockedUntil')}，请联系店长。`,
  forbidden: () => '没有权限执行此操作，请由主管或店长操作。',
  not_found: () => '找不到该记录。',
  idempotency_key_reused: () => '该请求编号已用于另一笔不同的请求，请使用新的编号。',
  idempotency_in_progress: () => '上一笔相同请求仍在处理中，请稍后再试。',
  duplicate_trade_no: () => '订单号已被使用，请换一个新的订单号。',
  invalid_transition: () => '该笔交易当前状态不允许此操作。',
  refund_exceeds_paid: (d) => `退款金额超过可退金额（最多可退 ${n(d, 'refundable')} 分）。`,
  payment_not_refundable: () => '只有支付成功的交易才能退款。',
  tender_exceeds_due: (d) => `只有现金可以超过应付金额，最多还需支付 ${n(d, 'remaining')} 分。`,
  sale_closed: () => '该笔销售已结束，请开始新的销售。',
  items_total_mismatch: (d) => `商品合计 ${n(d, 'itemsTotal')} 分与订单金额 ${n(d, 'amount')} 分不一致，请核对商品数量和单价。`,
  shift_already_open: () => '本终端已有未结班次，请先交班（清点现金）再开新班。',
  no_open_shift: () => '本终端没有进行中的班次，请先清点备用金并开班。',
  shift_closed: () => '该班次已交班结束，不能再次交班。',
  channel_unavailable: () => '支付渠道暂时不可用，请稍后再试。',
  channel_limit_exceeded: () => '超过该支付渠道的限额。',
  channel_not_offered: () => '本门店未开通该支付方式，请选择其他方式或在后台开通。',
  sandbox_disabled: () => '本系统未开启沙箱钱包。',
  rate_limited: () => '操作太频繁，请稍等一分钟再试。',
  invalid_template: (d) => `小票模板有误${d?.line !== undefined ? `（第 ${n(d, 'line')} 行）` : ''}，请改正后再保存${d?.reason ? `：${n(d, 'reason')}` : '。'}`,
  unprintable_text: (d) => `打印机的字符集打印不了这些字：${n(d, 'chars')}。请修改文字，或改用打印机支持的编码。`,
  qr_too_dense: () => '二维码内容太长或尺寸太小，印出来扫不出：请加大尺寸或缩短内容。',
  printer_unreachable: (d) => `连不上打印机 ${n(d, 'host')}:${n(d, 'port')}：请检查打印机电源、网线和 IP 地址；打印任务会保留，恢复后再打。`,
  reconcile_running: () => '这一天的对账正在进行，请等它完成后再查看或重新对账。',
  mismatch_closed: () => '这笔差错已经处理过（或已自动消除），无需再处理。',
  bill_unreadable: (d) => `对账单无法完整读取${d?.reason ? `：${n(d, 'reason')}` : ''}。请重新下载或上传完整的账单文件。`,
  no_bill_for_channel: () => '该支付渠道没有对账单，无法对账（现金、沙箱钱包不需要对账）。',
  repair_unavailable: () => '这个版本还不能按渠道补单（迟到的付款），请升级后再处理，或先以平台为准记录。',
  internal: () => '系统出错，可使用相同的请求编号安全重试。',
};

const zhHant: Catalog = {
  invalid_request: () => '請求不正確：請檢查填寫的內容。',
  invalid_json: () => '請求內容不是有效的 JSON。',
  invalid_amount: () => '金額不正確：請輸入大於零的金額（以分為單位的整數）。',
  unknown_currency: () => '不支援該幣別，請使用 ISO 4217 代碼，如 CNY。',
  currency_mismatch: () => '幣別與訂單不一致。',
  invalid_emv_payload: (d) => `二維碼內容不符合 EMVCo 格式${emvPlace(d, '標籤', '個字元處', '。')}`,
  invalid_payment_code: (d) => d?.reason === 'product_barcode' ? '掃到的是商品條碼，不是付款碼，請掃描顧客手機上的付款碼。'
    : d?.looksLike === 'url' ? '掃到的是網址或收款碼，不是付款碼，請顧客開啟付款碼頁面。'
    : '無法辨識此付款碼，請重新掃描或請顧客重新整理付款碼。',
  unauthenticated: () => '未登入或憑證無效，請重新登入終端或檢查 API 金鑰。',
  bad_signature: () => '簽章不正確，請檢查 API 金鑰與簽章方法。',
  stale_timestamp: () => '請求時間與伺服器相差超過 5 分鐘，請校正裝置時鐘。',
  replayed_nonce: () => '此請求已處理過（nonce 重複），請使用新的 nonce。',
  bad_pin: (d) => `密碼錯誤，還可嘗試 ${n(d, 'triesLeft')} 次。`,
  operator_locked: (d) => `密碼錯誤次數過多，此收銀員已被鎖定至 ${n(d, 'lockedUntil')}，請聯絡店長。`,
  forbidden: () => '沒有權限執行此操作，請由主管或店長操作。',
  not_found: () => '找不到該筆紀錄。',
  idempotency_key_reused: () => '此請求編號已用於另一筆不同的請求，請使用新的編號。',
  idempotency_in_progress: () => '上一筆相同請求仍在處理中，請稍後再試。',
  duplicate_trade_no: () => '訂單編號已被使用，請換一個新的訂單編號。',
  invalid_transition: () => '此筆交易目前的狀態不允許此操作。',
  refund_exceeds_paid: (d) => `退款金額超過可退金額（最多可退 ${n(d, 'refundable')} 分）。`,
  payment_not_refundable: () => '只有付款成功的交易才能退款。',
  tender_exceeds_due: (d) => `只有現金可以超過應付金額，最多還需支付 ${n(d, 'remaining')} 分。`,
  sale_closed: () => '此筆銷售已結束，請開始新的銷售。',
  items_total_mismatch: (d) => `商品合計 ${n(d, 'itemsTotal')} 分與訂單金額 ${n(d, 'amount')} 分不一致，請核對商品數量與單價。`,
  shift_already_open: () => '本終端已有未結班次，請先交班（清點現金）再開新班。',
  no_open_shift: () => '本終端沒有進行中的班次，請先清點零用金並開班。',
  shift_closed: () => '此班次已交班結束，不能再次交班。',
  channel_unavailable: () => '支付通道暫時無法使用，請稍後再試。',
  channel_limit_exceeded: () => '超過此支付通道的限額。',
  channel_not_offered: () => '本門市未開通此支付方式，請選擇其他方式或於後台開通。',
  sandbox_disabled: () => '本系統未開啟沙盒錢包。',
  rate_limited: () => '操作太頻繁，請稍候一分鐘再試。',
  invalid_template: (d) => `收據範本有誤${d?.line !== undefined ? `（第 ${n(d, 'line')} 行）` : ''}，請改正後再儲存${d?.reason ? `：${n(d, 'reason')}` : '。'}`,
  unprintable_text: (d) => `印表機的字元集印不出這些字：${n(d, 'chars')}。請修改文字，或改用印表機支援的編碼。`,
  qr_too_dense: () => '二維碼內容太長或尺寸太小，印出來掃不出：請加大尺寸或縮短內容。',
  printer_unreachable: (d) => `連不上印表機 ${n(d, 'host')}:${n(d, 'port')}：請檢查印表機電源、網路線和 IP 位址；列印工作會保留，恢復後再印。`,
  reconcile_running: () => '這一天的對帳正在進行，請等它完成後再查看或重新對帳。',
  mismatch_closed: () => '這筆差異已經處理過（或已自動消除），無需再處理。',
  bill_unreadable: (d) => `對帳單無法完整讀取${d?.reason ? `：${n(d, 'reason')}` : ''}。請重新下載或上傳完整的帳單檔案。`,
  no_bill_for_channel: () => '該支付通路沒有對帳單，無法對帳（現金、沙盒錢包不需要對帳）。',
  repair_unavailable: () => '這個版本還不能依通路補單（遲到的付款），請升級後再處理，或先以平台為準記錄。',
  internal: () => '系統發生錯誤，可使用相同的請求編號安全重試。',
};

/**
 * The best of our locales for an Accept-Language header: Traditional for zh-Hant/TW/HK/MO, Simplified for
 * other Chinese. `fallback` when it names none of ours, or only `*` (a wallet's page falls back to Chinese).
 */
export function pickLocale(acceptLanguage: string | undefined, fallback: Locale = 'en'): Locale {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (!tag) continue;
    if (tag.startsWith('zh')) return /hant|-tw|-hk|-mo/.test(tag) ? 'zh-Hant' : 'zh-Hans';
    if (tag.startsWith('en')) return 'en';
    if (tag === '*') return fallback;
  }
  return fallback;
}

/** The message to show: the specific English one, or its Chinese counterpart. */
export function localize(code: ErrorCode, english: string, locale: Locale, details?: Details): string {
  if (locale === 'en') return english;
  return (locale === 'zh-Hans' ? zhHans : zhHant)[code](details);
}

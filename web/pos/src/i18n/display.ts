/** The customer display and the 到账 announcement. */
import type { Tr } from './types.ts';

export const en = {
  announceOn: 'Sound on',
  announceOff: 'Sound off',
  announceToggle: 'Chime and spoken amount when a payment arrives',
  displayTitle: 'Customer display',
  displayHelp: 'Open this link on the screen that faces the customer, or scan the code with it. It shows the amount, the QR code to pay and the result.',
  displayPair: 'Pair a customer display',
  displayNewLink: 'New link',
  displayValidUntil: 'Valid until {date}',
  displayLinkFailed: 'Could not get a display link: {msg}',
} as const;

export const zhHans: Tr<typeof en> = {
  announceOn: '声音开',
  announceOff: '声音关',
  announceToggle: '收款到账时提示音并播报金额',
  displayTitle: '顾客显示屏',
  displayHelp: '在面向顾客的屏幕上打开此链接，或用它扫描此码。屏幕将显示金额、付款码和支付结果。',
  displayPair: '配对顾客显示屏',
  displayNewLink: '新链接',
  displayValidUntil: '有效期至 {date}',
  displayLinkFailed: '无法获取显示屏链接：{msg}',
};

export const zhHant: Tr<typeof en> = {
  announceOn: '聲音開',
  announceOff: '聲音關',
  announceToggle: '收款到帳時提示音並播報金額',
  displayTitle: '顧客顯示屏',
  displayHelp: '在面向顧客的螢幕上開啟此連結，或用它掃描此碼。螢幕將顯示金額、付款碼和付款結果。',
  displayPair: '配對顧客顯示屏',
  displayNewLink: '新連結',
  displayValidUntil: '有效期至 {date}',
  displayLinkFailed: '無法取得顯示屏連結：{msg}',
};

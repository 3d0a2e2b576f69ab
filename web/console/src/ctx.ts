import type { Merchant } from './api.ts';
import type { Lang, T } from './i18n.ts';

export interface Store { id: string; name: string }
/** What every screen gets from the shell. */
export interface Ctx { t: T; lang: Lang; merchant: Merchant; stores: Store[] }

export const RECEIPT_LANGS = ['zh-Hans', 'zh-Hant', 'en', 'zh-Hans+en', 'zh-Hant+en'] as const;
export type ReceiptLang = typeof RECEIPT_LANGS[number];
export const RL_KEY = { 'zh-Hans': 'rl_zhHans', 'zh-Hant': 'rl_zhHant', en: 'rl_en', 'zh-Hans+en': 'rl_zhHansEn', 'zh-Hant+en': 'rl_zhHantEn' } as const;
export const ENCODINGS = ['gbk', 'gb18030', 'big5', 'ascii'] as const;

/** An error as the API said it, for a person. */
export function errText(e: unknown): string {
  const x = e as { message?: string; code?: string };
  return x && x.message ? (x.code && !/^http_/.test(x.code) ? `${x.message} (${x.code})` : x.message) : String(e);
}

/** The simulator's app backend (src/http/wallet.ts): what the wallet's phone app asks its own servers. */
import type { WalletId } from './code.ts';

export type Target = { kind: 'cashier'; path: string } | { kind: 'jsapi'; params: Record<string, string> };
export type Outcome = 'paid' | 'declined' | 'already_paid' | 'closed' | 'expired' | 'not_payable' | 'not_found' | 'unavailable';
export type OpenReply =
  | { step: 'confirm'; wallet: WalletId; target: Target; summary: string | null; paymentId?: string }
  | { step: 'done'; result: Outcome }
  | { step: 'error'; error: 'invalid' | 'wrong_wallet' | 'not_offered' | 'stand' | 'unavailable'; wallet?: WalletId; message?: string };

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

export async function mountedWallets(): Promise<WalletId[]> {
  const res = await fetch('/wallet/api/wallets', { cache: 'no-store' });
  return ((await res.json()) as { wallets: WalletId[] }).wallets;
}

export const openQr = (body: { wallet: WalletId; qr: string; lang: string; amount?: string }) => post<OpenReply>('/wallet/api/open', body);

export const act = (body: { wallet: WalletId; target: Target; action: 'pay' | 'decline'; lang: string }) =>
  post<{ result: Outcome }>('/wallet/api/act', body).then((r) => r.result);

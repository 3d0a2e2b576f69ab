import { fileURLToPath } from 'node:url';
import { startChild } from '../child.ts';
import type { Scenario } from '../scenario.ts';
import { signedHeaders } from '../../src/security/request-signing.ts';

const entry = fileURLToPath(new URL('../saoma-server.ts', import.meta.url));

/**
 * Saoma's complete paid order, one signed POST each: signature + nonce check, idempotency claim,
 * payment row, the sandbox wallet charging a payment code over loopback HTTP (its own signed
 * request/response), the guarded state change with ledger entry and outbox event committed together,
 * the stored idempotent response — and the webhook relay delivering to a loopback receiver meanwhile.
 */
function paidOrder(store: 'sqlite' | 'pg'): Scenario {
  return {
    name: `saoma-paid-${store}`,
    store,
    async start() {
      const child = await startChild(entry, [store]);
      const creds = (await child.call('creds')) as { keyId: string; secret: string; terminalId: string };
      const run = Date.now().toString(36);
      return {
        url: child.url,
        request(i: number) {
          const body = JSON.stringify({
            outTradeNo: `B${run}-${i}`, amount: 100 + (i % 9000), currency: 'CNY', method: 'payment_code', channel: 'sandbox',
            authCode: `28${String(i).padStart(16, '0').slice(-14)}00`, terminalId: creds.terminalId,
          });
          return {
            method: 'POST', path: '/v1/payments', body,
            headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${run}-${i}`, ...signedHeaders(creds.keyId, creds.secret, 'POST', '/v1/payments', body) },
          };
        },
        check: () => child.call('check') as Promise<Record<string, unknown>>,
        stop: () => child.stop(),
      };
    },
  };
}

/**
 * A sale's receipt as the POS or a printer asks for it: the terminal's token, the sale with its items
 * and tenders read from the store, the store's template filled in and rendered to ESC/POS (GBK, 58 mm).
 */
function receipt(store: 'sqlite' | 'pg'): Scenario {
  return {
    name: `saoma-receipt-${store}`,
    store,
    async start() {
      const child = await startChild(entry, [store]);
      const { ids, terminalToken } = (await child.call('sales')) as { ids: string[]; terminalToken: string };
      return {
        url: child.url,
        request(i: number) {
          return { method: 'GET', path: `/v1/sales/${ids[i % ids.length]}/receipt?format=escpos&lang=zh-Hans`, headers: { authorization: `Bearer ${terminalToken}` } };
        },
        stop: () => child.stop(),
      };
    },
  };
}

export const saomaScenarios: Scenario[] = [paidOrder('sqlite'), paidOrder('pg'), receipt('sqlite')];

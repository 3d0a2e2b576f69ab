import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../runtime.ts';
import { StandService } from '../stand/service.ts';
import { seedDemoHistory } from '../reports/demo-history.ts';

export const DEMO_MERCHANT_NAME = '夜市小吃 Demo Night Market';

export interface DemoCredentials {
  merchantId: string;
  merchantName: string;
  storeId: string;
  terminalId: string;
  terminalToken: string;
  operator: { id: string; name: string; role: string; pin: string };
  supervisor: { id: string; name: string; role: string; pin: string };
  apiKey: { id: string; secret: string };
  platformKey: { id: string; secret: string };
  webhookSecret: string;
  /** The demo store's one-code stand (聚合码): open it on a phone, or print it from the API. */
  stand?: { id: string; code: string; url: string };
}

/**
 * On the first start of an embedded, sandboxed Saoma: a demo merchant with a store, a terminal, two
 * operators and API keys. The secrets are written next to the database (mode 600) so later starts can
 * print them again; a production deployment never seeds a demo.
 */
export async function ensureDemo(rt: Runtime): Promise<DemoCredentials> {
  const creds = await ensureDemoMerchant(rt);
  // About 90 days of takings for the reports, the fee advisor and a first reconciliation (not in tests: they count their own).
  if (rt.config.env !== 'test') await seedDemoHistory(rt, creds);
  return creds;
}

async function ensureDemoMerchant(rt: Runtime): Promise<DemoCredentials> {
  const file = join(rt.config.dataDir, 'demo-credentials.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    const still = await rt.store.db.selectFrom('merchants').select('id').where('id', '=', saved.merchantId).executeTakeFirst();
    if (still) {
      // Demos seeded before stands existed get theirs now; the URL follows SAOMA_PUBLIC_URL of this start.
      const stand = await demoStand(rt, saved);
      if (saved.stand?.id !== stand.id) writeFileSync(file, `${JSON.stringify({ ...saved, stand }, null, 2)}\n`, { mode: 0o600 });
      return { ...saved, stand };
    }
  }
  const m = rt.merchants;
  const merchant = await m.createMerchant({ name: DEMO_MERCHANT_NAME, timezone: 'Asia/Shanghai', currency: 'CNY' });
  const store = await m.createStore(merchant.id, '士林夜市 Shilin stall 1');
  const terminal = await m.createTerminal(merchant.id, store.id, 'Counter 1');
  const cashier = await m.createOperator(merchant.id, { name: '小王 Wang', role: 'cashier', pin: '1234', storeId: store.id });
  const supervisor = await m.createOperator(merchant.id, { name: '李姐 Li', role: 'supervisor', pin: '8888', storeId: store.id });
  const key = await m.createApiKey(merchant.id);
  const platform = await m.createApiKey(null);
  const creds: DemoCredentials = {
    merchantId: merchant.id,
    merchantName: merchant.name,
    storeId: store.id,
    terminalId: terminal.id,
    terminalToken: terminal.token,
    operator: { id: cashier.id, name: cashier.name, role: cashier.role, pin: '1234' },
    supervisor: { id: supervisor.id, name: supervisor.name, role: supervisor.role, pin: '8888' },
    apiKey: { id: key.id, secret: key.secret },
    platformKey: { id: platform.id, secret: platform.secret },
    webhookSecret: merchant.webhookSecret,
  };
  creds.stand = await demoStand(rt, creds);
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

export function loadDemoCredentials(dataDir: string): DemoCredentials | null {
  const file = join(dataDir, 'demo-credentials.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials) : null;
}

async function demoStand(rt: Runtime, c: Pick<DemoCredentials, 'merchantId' | 'storeId' | 'terminalId'>): Promise<{ id: string; code: string; url: string }> {
  const stands = new StandService(rt);
  const existing = (await stands.list(c.merchantId)).find((s) => s.enabled && s.terminalId === c.terminalId);
  const s = existing ?? await stands.create(c.merchantId, { storeId: c.storeId, terminalId: c.terminalId, name: 'Stand 1' });
  return { id: s.id, code: s.code, url: s.url };
}

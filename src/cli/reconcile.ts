import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config.ts';
import { Runtime } from '../runtime.ts';
import { fileBytes } from '../reconcile/bill-file.ts';
import { mismatchTypeLabel } from '../reconcile/export.ts';
import { GENERATED_CHANNELS, writeBill } from '../reconcile/generate.ts';
import { BILL_WALLETS, addDays, isDay, walletDate } from '../reconcile/settings.ts';
import type { RunSummary } from '../reconcile/types.ts';
import { decimal } from '../reports/csv.ts';

type Lang = 'en' | 'zh-Hans' | 'zh-Hant';
/** The CLI speaks the terminal's language: LANG/LC_ALL zh_TW/zh_HK → Traditional, other zh → Simplified. */
export function cliLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const l = (env.SAOMA_LANG ?? env.LC_ALL ?? env.LANG ?? '').toLowerCase();
  return l.startsWith('zh') ? (/tw|hk|mo|hant/.test(l) ? 'zh-Hant' : 'zh-Hans') : 'en';
}
const T: Record<Lang, Record<string, string>> = {
  en: { head: 'merchant · wallet · day', lines: 'bill lines', matched: 'matched', bill: 'bill', ours: 'our books', pay: 'payments', ref: 'refunds', fees: 'fees', holding: 'holding (across midnight)', open: 'open mismatches', none: 'no open mismatches', reading: 'reading the bill', written: 'written', failed: 'failed' },
  'zh-Hans': { head: '商户 · 渠道 · 账单日', lines: '账单行数', matched: '一致', bill: '渠道账单', ours: '平台账', pay: '支付', ref: '退款', fees: '手续费', holding: '缓冲池（跨日）', open: '未处理差错', none: '没有未处理的差错', reading: '读取账单', written: '已写入', failed: '失败' },
  'zh-Hant': { head: '商戶 · 通路 · 帳單日', lines: '帳單行數', matched: '一致', bill: '通路帳單', ours: '平台帳', pay: '支付', ref: '退款', fees: '手續費', holding: '緩衝池（跨日）', open: '未處理差異', none: '沒有未處理的差異', reading: '讀取帳單', written: '已寫入', failed: '失敗' },
};

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0))));
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].reduce((k, ch) => k + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0)));
  return rows.map((r) => r.map((c, i) => pad(c, w[i]!)).join('  ').trimEnd()).join('\n');
}

/** The summary a person reads after a run: both sides, what matched, each mismatch type. */
export function summaryText(lang: Lang, head: string, s: RunSummary): string {
  const t = T[lang];
  const rows = [
    ['', t.pay!, '', t.ref!, '', t.fees!],
    [t.bill!, String(s.wallet.payments), decimal(s.wallet.paymentAmount), String(s.wallet.refunds), decimal(s.wallet.refundAmount), decimal(s.wallet.fees)],
    [t.ours!, String(s.saoma.payments), decimal(s.saoma.paymentAmount), String(s.saoma.refunds), decimal(s.saoma.refundAmount), ''],
  ];
  const lines = [head, table(rows), `${t.lines}: ${s.wallet.lines}   ${t.matched}: ${s.matched}   ${t.holding}: ${s.holding}`];
  const open = Object.entries(s.open);
  lines.push(open.length ? `${t.open}: ${open.map(([k, n]) => `${mismatchTypeLabel(lang, k)} ${n}`).join(', ')}` : t.none!);
  return `${lines.join('\n')}\n`;
}

export function registerReconcile(program: Command): void {
  program.command('reconcile')
    .description('Reconcile wallet bills with the books for a day; prints a summary; exit 1 while mismatches remain open')
    .requiredOption('--date <YYYY-MM-DD>', 'the wallet\'s day (Beijing time for the Chinese wallets)')
    .option('--merchant <id>', 'one merchant (default: every merchant with a wallet account)')
    .option('--channel <name>', `one wallet: ${Object.keys(BILL_WALLETS).join(', ')}`)
    .option('--file <path>', 'a bill file downloaded by hand from the wallet\'s portal (needs --channel; --merchant unless there is one merchant)')
    .option('--database-url <url>', 'sqlite:PATH or postgres://…')
    .option('--data-dir <dir>', 'folder of the default SQLite file')
    .action(async (opts: { date: string; merchant?: string; channel?: string; file?: string; databaseUrl?: string; dataDir?: string }) => {
      if (!isDay(opts.date)) throw new Error(`--date must be a calendar day YYYY-MM-DD, not ${opts.date}`);
      if (opts.file && !opts.channel) throw new Error('--file needs --channel: say which wallet\'s layout the file is in');
      const lang = cliLang();
      const t = T[lang];
      const config = loadConfig(process.env, { ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), walletEmulators: false });
      const rt = new Runtime(config);
      let open = 0;
      try {
        await rt.store.migrate();
        let targets = await rt.store.db.selectFrom('channel_accounts').select(['merchant_id', 'channel']).where('channel', 'in', Object.keys(BILL_WALLETS))
          .$if(!!opts.merchant, (q) => q.where('merchant_id', '=', opts.merchant!)).$if(!!opts.channel, (q) => q.where('channel', '=', opts.channel!)).execute();
        if (opts.file) {
          const merchants = opts.merchant ? [opts.merchant] : [...new Set((await rt.store.db.selectFrom('merchants').select('id').execute()).map((m) => m.id))];
          if (merchants.length !== 1) throw new Error('--file: name the merchant with --merchant');
          targets = [{ merchant_id: merchants[0]!, channel: opts.channel! }];
        }
        if (targets.length === 0) throw new Error('no wallet account matches; add one, or check --merchant and --channel');
        for (const a of targets) {
          const size = opts.file ? statSync(opts.file).size : 0;
          const bar = size > 5_000_000 && process.stderr.isTTY !== false
            ? new SingleBar({ format: `${t.reading} {bar} {value} ${t.lines}`, hideCursor: true, stream: process.stderr }) : null;
          bar?.start(Math.max(1, Math.round(size / 180)), 0);
          try {
            const run = await rt.reconciler.run({
              merchantId: a.merchant_id, channel: a.channel, day: opts.date, actor: { kind: 'platform', id: null, name: 'saoma reconcile' },
              source: opts.file ? { kind: 'file', name: basename(opts.file), bytes: fileBytes(opts.file) } : { kind: 'download' },
              onLines: (n) => { if (bar) { if (n > bar.getTotal()) bar.setTotal(n); bar.update(n); } },
            });
            bar?.stop();
            const s = JSON.parse(run.summary!) as RunSummary;
            open += s.openCount;
            process.stdout.write(`\n${summaryText(lang, `${t.head}: ${a.merchant_id} · ${a.channel} · ${opts.date}`, s)}`);
          } catch (e) {
            bar?.stop();
            open++;
            process.stdout.write(`\n${t.head}: ${a.merchant_id} · ${a.channel} · ${opts.date}\n${t.failed}: ${(e as Error).message}\n`);
          }
        }
      } finally {
        await rt.store.close();
        rt.walletEmulators?.close();
        rt.sandboxWallet?.close();
      }
      if (open > 0) process.exitCode = 1;
    });

  program.command('bill')
    .description('Wallet bill files')
    .command('generate')
    .description('Write a realistic bill in a wallet\'s own layout (for trials, tests and the benchmark)')
    .requiredOption('--channel <name>', GENERATED_CHANNELS.join(', '))
    .requiredOption('--rows <n>', 'lines of trades and refunds')
    .requiredOption('--out <file>', 'where to write it')
    .option('--date <YYYY-MM-DD>', 'the bill\'s day (default: yesterday in Beijing)')
    .option('--seed <n>', 'amounts from this seed (same seed, same bill)', '1')
    .action(async (opts: { channel: string; rows: string; out: string; date?: string; seed: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 0 || rows > 50_000_000) throw new Error('--rows must be a whole number up to 50,000,000');
      if (!(GENERATED_CHANNELS as readonly string[]).includes(opts.channel)) throw new Error(`--channel must be one of ${GENERATED_CHANNELS.join(', ')}`);
      const date = opts.date ?? addDays(walletDate(opts.channel, new Date()), -1);
      if (!isDay(date)) throw new Error(`--date must be YYYY-MM-DD, not ${date}`);
      const t = T[cliLang()];
      const bar = rows >= 100_000 ? new SingleBar({ format: `{bar} {value}/{total} ${t.lines}`, hideCursor: true, stream: process.stderr }) : null;
      bar?.start(rows, 0);
      const n = await writeBill({ channel: opts.channel, date, rows, out: opts.out, seed: Number(opts.seed) || 1, onRows: (k) => bar?.update(k) });
      bar?.update(n);
      bar?.stop();
      process.stdout.write(`${t.written}: ${opts.out} (${opts.channel}, ${date}, ${n} ${t.lines})\n`);
    });
}

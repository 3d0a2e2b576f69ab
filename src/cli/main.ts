import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { Runtime } from '../runtime.ts';
import { buildApp } from '../http/app.ts';
import { checkLedger } from '../store/ledger-repo.ts';
import { Store } from '../store/db.ts';
import { signedHeaders } from '../security/request-signing.ts';
import { verifyWebhook, WebhookVerificationError } from '../webhooks/verify.js';
import { startSandboxWalletServer } from '../channels/sandbox/emulator.ts';
import { ensureDemo, loadDemoCredentials } from './demo.ts';
import { registerPaycode } from './paycode.ts';
import { registerEmv } from './emv.ts';
import { registerReceipt } from './receipt.ts';
import { registerStand } from './stand.ts';
import { registerReconcile } from './reconcile.ts';

class UsageError extends Error {}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535.');
  return n;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`saoma: ${message}\n`);
  process.exit(code);
}

function configFrom(opts: { databaseUrl?: string; dataDir?: string; port?: number; host?: string; sandbox?: boolean }): Config {
  return loadConfig(process.env, {
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.sandbox === false ? { sandbox: false } : {}),
  });
}

const program = new Command()
  .name('saoma')
  .description('Saoma (扫码): point-of-sale payments for QR-code wallets')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.command('serve')
  .description('Start the gateway. Default: SQLite under ./data, sandbox wallet on, demo merchant on first start.')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)', port)
  .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
  .option('--database-url <url>', 'sqlite:PATH or postgres://… (env SAOMA_DATABASE_URL)')
  .option('--data-dir <dir>', 'folder for the SQLite file, master key and demo credentials (env SAOMA_DATA_DIR, default ./data)')
  .option('--no-sandbox', 'do not run the sandbox wallet')
  .option('--no-demo', 'do not create the demo merchant')
  .action(async (opts) => {
    const config = configFrom(opts);
    const rt = new Runtime(config, (msg, err) => process.stderr.write(`saoma worker: ${msg}: ${(err as Error)?.message ?? ''}\n`));
    await rt.start();
    const app = await buildApp(rt);
    const demo = config.sandbox && opts.demo !== false && config.env !== 'production' ? await ensureDemo(rt) : null;
    // The demo merchant's real-wallet accounts point at this start's emulators (their URL follows SAOMA_PUBLIC_URL).
    if (demo && rt.walletEmulators) await rt.walletEmulators.enroll(rt.channelAccounts, demo.merchantId);
    const address = await app.listen({ port: config.port, host: config.host });
    const base = config.publicUrl;
    const lines = [
      `Saoma is listening on ${address}  (store: ${rt.store.flavor}, sandbox: ${config.sandbox ? 'on' : 'off'})`,
      `  API docs      ${base}/docs`,
      `  health        ${base}/healthz`,
    ];
    lines.push(`  POS terminal  ${base}/pos/`);
    lines.push(`  display       ${base}/display/   (pair it from the POS: Settings → Customer display)`);
    lines.push(`  console       ${base}/console/   (sign in with the merchant's API key)`);
    if (config.sandbox) lines.push(`  wallet app    ${base}/wallet/   (the simulator: pay the POS's QR, show a payment code)`);
    if (config.sandbox) lines.push(`  sandbox wallet ${base}/sandbox/wallet`);
    if (rt.walletEmulators) lines.push(`  emulators     ${['alipay', 'wechat', 'unionpay', 'qq'].map((w) => `${base}/sandbox/${w}`).join('  ')}`);
    if (demo) {
      lines.push(
        '',
        `Demo merchant: ${demo.merchantName}  (${demo.merchantId})`,
        `  terminal token   ${demo.terminalToken}`,
        `  cashier          ${demo.operator.name}  id ${demo.operator.id}  PIN ${demo.operator.pin}`,
        `  supervisor       ${demo.supervisor.name}  id ${demo.supervisor.id}  PIN ${demo.supervisor.pin}`,
        `  API key          ${demo.apiKey.id}`,
        `  API secret       ${demo.apiKey.secret}`,
        `  webhook secret   ${demo.webhookSecret}`,
        ...(demo.stand ? [`  one-code stand   ${demo.stand.url}`] : []),
        `  (all saved in ${join(config.dataDir, 'demo-credentials.json')})`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    const shutdown = async () => {
      await app.close();
      await rt.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  });

program.command('migrate')
  .description('Create or upgrade the database schema, then exit')
  .option('--database-url <url>', 'sqlite:PATH or postgres://… (env SAOMA_DATABASE_URL)')
  .option('--data-dir <dir>', 'folder of the default SQLite file')
  .action(async (opts) => {
    const config = configFrom(opts);
    const store = Store.open(config.databaseUrl);
    try {
      const done = await store.migrate();
      process.stdout.write(done.length ? `${done.join('\n')}\n` : 'schema is up to date\n');
    } finally {
      await store.close();
    }
  });

const ledger = program.command('ledger').description('Ledger tools');
ledger.command('check')
  .description('Prove the books: all postings sum to zero, every journal balances, every succeeded payment and refund has its entry. Exit 1 if not.')
  .option('--database-url <url>', 'sqlite:PATH or postgres://…')
  .option('--data-dir <dir>', 'folder of the default SQLite file')
  .option('--merchant <id>', 'check one merchant only')
  .action(async (opts) => {
    const config = configFrom(opts);
    const store = Store.open(config.databaseUrl);
    try {
      await store.migrate();
      const r = await checkLedger(store, opts.merchant);
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      if (!r.ok) process.exitCode = 1;
    } finally {
      await store.close();
    }
  });

program.command('bench')
  .description('Run the benchmarks (same as npm run bench); names filter which ones run')
  .argument('[names...]', 'benchmarks to run, e.g. hello sqlite-full saoma-sqlite')
  .action(async (names: string[]) => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), ...names], { stdio: 'inherit', cwd: root });
    await new Promise<void>((resolve) => child.on('exit', (code) => {
      process.exitCode = code ?? 1;
      resolve();
    }));
  });

program.command('api')
  .description('Send a signed request with a merchant API key (defaults to the demo key in ./data)')
  .argument('<method>', 'GET, POST, PUT or DELETE')
  .argument('<path>', 'e.g. /v1/payments')
  .argument('[body]', 'JSON body')
  .option('--url <url>', 'server base URL', 'http://127.0.0.1:8080')
  .option('--key <id>', 'API key id (env SAOMA_KEY_ID)')
  .option('--secret <secret>', 'API key secret (env SAOMA_KEY_SECRET)')
  .option('--data-dir <dir>', 'where demo-credentials.json is', './data')
  .option('--idempotency-key <key>', 'Idempotency-Key header')
  .action(async (method: string, path: string, body: string | undefined, opts) => {
    const m = method.toUpperCase();
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(m)) throw new UsageError(`method must be GET, POST, PUT or DELETE, not "${method}".`);
    if (!path.startsWith('/')) throw new UsageError(`path must start with "/", e.g. /v1/payments (got "${path}").`);
    if (body !== undefined) {
      try { JSON.parse(body); } catch { throw new UsageError('body is not valid JSON.'); }
    }
    const demo = loadDemoCredentials(opts.dataDir);
    const keyId = opts.key ?? process.env.SAOMA_KEY_ID ?? demo?.apiKey.id;
    const secret = opts.secret ?? process.env.SAOMA_KEY_SECRET ?? demo?.apiKey.secret;
    if (!keyId || !secret) throw new UsageError('no API key: pass --key and --secret, set SAOMA_KEY_ID/SAOMA_KEY_SECRET, or run `saoma serve` once to create the demo.');
    const text = body ?? '';
    const headers: Record<string, string> = { ...signedHeaders(keyId, secret, m, path, text) };
    if (text) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let res: Response;
    try {
      res = await fetch(`${opts.url.replace(/\/$/, '')}${path}`, { method: m, headers, ...(text ? { body: text } : {}) });
    } catch (e) {
      return fail(`cannot reach ${opts.url}: ${(e as Error).message}. Is \`saoma serve\` running?`);
    }
    const out = await res.text();
    process.stdout.write(`${out}\n`);
    if (!res.ok) process.exitCode = 1;
  });

const webhooks = program.command('webhooks').description('Webhook tools');
webhooks.command('listen')
  .description('A small receiver that verifies Saoma webhook signatures and prints each event (for trying webhooks out)')
  .option('-p, --port <port>', 'port', port, 9000)
  .option('--secret <secret>', 'webhook signing secret (env SAOMA_WEBHOOK_SECRET; default: the demo merchant\'s)')
  .option('--data-dir <dir>', 'where demo-credentials.json is', './data')
  .action(async (opts) => {
    const secret = opts.secret ?? process.env.SAOMA_WEBHOOK_SECRET ?? loadDemoCredentials(opts.dataDir)?.webhookSecret;
    if (!secret) throw new UsageError('no webhook secret: pass --secret or run `saoma serve` once to create the demo.');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const event = verifyWebhook(Buffer.concat(chunks), req.headers['saoma-signature'], secret);
          process.stdout.write(`${JSON.stringify(event)}\n`);
          res.writeHead(200).end('ok');
        } catch (e) {
          process.stderr.write(`rejected: ${(e as WebhookVerificationError).message}\n`);
          res.writeHead(400).end('bad signature');
        }
      });
    });
    server.listen(opts.port, '127.0.0.1', () => process.stderr.write(`listening for webhooks on http://127.0.0.1:${opts.port}/\n`));
  });

program.command('sandbox-wallet')
  .description('Run the sandbox wallet on its own (it then outlives gateway restarts, as a real wallet does)')
  .option('-p, --port <port>', 'port', port, 8181)
  .option('--db <path>', 'its own SQLite file', './data/sandbox-wallet.db')
  .option('--key <key>', 'signing key shared with the gateway (env SAOMA_SANDBOX_KEY)')
  .action(async (opts) => {
    const { url } = await startSandboxWalletServer({ port: opts.port, dbPath: opts.db, key: opts.key ?? process.env.SAOMA_SANDBOX_KEY ?? 'saoma-sandbox-key' });
    process.stdout.write(`sandbox wallet on ${url}/sandbox/wallet\n`);
  });

registerPaycode(program);
registerEmv(program);
registerReceipt(program);
registerStand(program);
registerReconcile(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof UsageError) fail(e.message, 2);
  if (e instanceof ConfigError) fail(`configuration: ${e.message}`, 2);
  const err = e as { code?: string; message?: string };
  if (err.code === 'EADDRINUSE') fail(`${err.message}: another program uses that port; pick another with --port.`);
  if (err.code === 'ECONNREFUSED') fail(`${err.message}: is the database running? Check SAOMA_DATABASE_URL.`);
  fail(err.message ?? String(e));
}

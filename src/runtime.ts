import { join } from 'node:path';
import type { Config } from './config.ts';
import { SandboxWallet } from './channels/sandbox/emulator.ts';
import { SandboxWallets } from './channels/sandbox-wallets.ts';
import { Authenticator } from './http/auth.ts';
import { MerchantService } from './merchants/service.ts';
import { PaymentBus } from './payments/bus.ts';
import { PgRelay } from './payments/pg-relay.ts';
import { PaymentService } from './payments/service.ts';
import { PrintService } from './printing/service.ts';
import { VerificationReceipts } from './receipts/verification.ts';
import { ReceiptSigner } from './security/receipt-signer.ts';
import { ChannelRegistry } from './channels/registry.ts';
import { ChannelAccounts } from './merchants/channel-accounts.ts';
import { paycodeRulesFor } from './paycode-rules.ts';
import { Worker } from './payments/worker.ts';
import { Sealer } from './security/secrets.ts';
import { Store } from './store/db.ts';
import { WebhookDeliverer } from './webhooks/deliverer.ts';
import { AuditLog } from './audit/log.ts';
import { JobQueue } from './jobs/queue.ts';
import { JobRunner } from './jobs/runner.ts';
import { Reconciler } from './reconcile/run.ts';
import { registerReconcileJobs } from './reconcile/jobs.ts';
import { settingsFrom } from './reconcile/settings.ts';

/** Everything a running Saoma holds, wired once; the HTTP app and the CLI take it from here. */
export class Runtime {
  readonly config: Config;
  readonly store: Store;
  readonly sealer: Sealer;
  readonly bus = new PaymentBus();
  readonly merchants: MerchantService;
  readonly channelAccounts: ChannelAccounts;
  readonly payments: PaymentService;
  readonly auth: Authenticator;
  readonly deliverer: WebhookDeliverer;
  readonly worker: Worker;
  /** Receipt printers, templates and the print queue. */
  readonly printing: PrintService;
  /** Signed verification receipts (验证收据). */
  readonly verifications: VerificationReceipts;
  readonly sandboxWallet: SandboxWallet | null;
  /** The real wallets' emulators, in sandbox mode (see sandbox-wallets.ts). */
  readonly walletEmulators: SandboxWallets | null;
  /** The append-only, hash-chained record of administrative and money-moving actions. */
  readonly audit: AuditLog;
  /** Durable background jobs (reconciliation, settlement, payouts, monitors); areas register handlers on `jobRunner`. */
  readonly jobs: JobQueue;
  readonly jobRunner: JobRunner;
  /** Reconciliation with the wallets' bills (src/reconcile); its daily jobs are registered on `jobRunner`. */
  readonly reconciler: Reconciler;
  private relay: PgRelay | null = null;
  private housekeeping: NodeJS.Timeout | null = null;

  constructor(config: Config, log: (msg: string, err?: unknown) => void = () => undefined) {
    this.config = config;
    this.store = Store.open(config.databaseUrl);
    this.sealer = Sealer.fromText(config.masterKey);
    this.merchants = new MerchantService(this.store, this.sealer);
    this.channelAccounts = new ChannelAccounts(this.store, this.sealer);
    this.payments = new PaymentService(this.store, new ChannelRegistry(this.channelAccounts, config), this.bus, {
      publicUrl: config.publicUrl, qrTtlMs: config.qrTtlMs, paycodeRules: paycodeRulesFor(config),
    });
    this.auth = new Authenticator(this.store, this.sealer);
    this.deliverer = new WebhookDeliverer(this.store, this.sealer);
    this.worker = new Worker(this.payments, this.deliverer, { intervalMs: config.workerIntervalMs, log });
    this.printing = new PrintService(this.store, Math.max(config.workerIntervalMs, 100), log);
    this.verifications = new VerificationReceipts(this.store, new ReceiptSigner(config.masterKey), config.publicUrl);
    this.sandboxWallet = config.sandbox && !config.sandboxUrl
      ? new SandboxWallet({ dbPath: join(config.dataDir, 'sandbox-wallet.db'), key: config.sandboxKey })
      : null;
    if (this.sandboxWallet) this.sandboxWallet.qrBase = `${config.publicUrl}/sandbox/wallet/qr`;
    this.audit = new AuditLog(this.store);
    this.jobs = new JobQueue(this.store);
    this.jobRunner = new JobRunner(this.jobs, { intervalMs: Math.max(config.workerIntervalMs, 250), log });
    this.reconciler = new Reconciler(this, settingsFrom({ ...process.env, SAOMA_ENV: config.env }));
    registerReconcileJobs(this, this.reconciler);
    this.walletEmulators = config.sandbox && config.walletEmulators ? new SandboxWallets({ dataDir: config.dataDir, publicUrl: config.publicUrl }) : null;
  }

  async start(): Promise<void> {
    await this.store.migrate();
    if (this.store.flavor === 'sqlite') await this.payments.resumeAll();
    else {
      this.relay = new PgRelay(this.config.databaseUrl, this.bus, (id) => this.payments.findPayment(id));
      await this.relay.start();
    }
    this.worker.start();
    this.printing.start();
    this.jobRunner.start();
    // Nonces outside the ±5 min window can never be replayed successfully; forget them.
    this.housekeeping = setInterval(() => void this.auth.purgeNonces().catch(() => undefined), 60_000);
    this.housekeeping.unref();
  }

  async stop(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    await this.worker.stop();
    await this.jobRunner.stop();
    await this.printing.stop();
    await this.relay?.stop();
    await this.store.close();
    this.sandboxWallet?.close();
    this.walletEmulators?.close();
  }
}

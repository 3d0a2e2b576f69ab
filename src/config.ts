import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  masterKey: string;
  publicUrl: string;
  sandbox: boolean;
  /** An external sandbox wallet (its own process); otherwise it runs inside this server under /sandbox/wallet. */
  sandboxUrl: string | null;
  sandboxKey: string;
  /**
   * With the sandbox: run Alipay, WeChat Pay, UnionPay and QQ Wallet emulators under /sandbox/<wallet>
   * and give the demo merchant accounts on them (SAOMA_SANDBOX_WALLETS, on except in tests).
   */
  walletEmulators: boolean;
  /** Orders one device may start on one stand per minute (SAOMA_STAND_PAYS_PER_MINUTE). */
  standPaysPerMinute: number;
  qrTtlMs: number;
  /** Overrides every wallet's own give-up time for payment codes (null: each wallet's default). */
  payCodeGiveUpMs: number | null;
  /** Overrides every wallet's own query interval (null: each wallet's default). */
  queryIntervalMs: number | null;
  workerIntervalMs: number;
  logLevel: string;
  trustProxy: boolean;
  /** SAOMA_PAYCODE_RULES: a JSON file of extra payment-code rules, tried before the built-in ones (src/paycode-rules.ts). */
  paycodeRulesFile: string | null;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new ConfigError(`${name} must be a whole number ≥ ${min}, got "${raw}".`);
  return v;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1/0, true/false or on/off, got "${raw}".`);
}

/**
 * Configuration from the environment; everything is optional for the embedded default (SQLite under
 * ./data, sandbox on). The master key is generated into the data folder on first start when absent.
 * Production (SAOMA_ENV=production) never runs the sandbox and needs an explicit master key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const mode = (env.SAOMA_ENV ?? 'development') as Config['env'];
  if (!['development', 'production', 'test'].includes(mode)) throw new ConfigError(`SAOMA_ENV must be development, production or test, got "${mode}".`);
  const dataDir = resolve(overrides.dataDir ?? env.SAOMA_DATA_DIR ?? './data');
  const databaseUrl = overrides.databaseUrl ?? env.SAOMA_DATABASE_URL ?? `sqlite:${join(dataDir, 'saoma.db')}`;
  const isPg = /^postgres(ql)?:\/\//.test(databaseUrl);
  if (!isPg && !databaseUrl.startsWith('sqlite:')) throw new ConfigError(`SAOMA_DATABASE_URL must start with sqlite: or postgres://, got "${databaseUrl}".`);
  const askedSandbox = bool(env, 'SAOMA_SANDBOX');
  if (mode === 'production' && askedSandbox) throw new ConfigError('SAOMA_SANDBOX cannot be on when SAOMA_ENV=production: the sandbox wallet takes no real money.');
  const sandbox = overrides.sandbox ?? (mode === 'production' ? false : askedSandbox ?? !isPg);
  const port = overrides.port ?? int(env, 'PORT', 8080, 0);
  const host = overrides.host ?? env.HOST ?? '127.0.0.1';

  let masterKey = overrides.masterKey ?? env.SAOMA_MASTER_KEY ?? '';
  if (!masterKey) {
    if (mode === 'production') throw new ConfigError('SAOMA_MASTER_KEY is required in production (64 hex characters); generate one with `openssl rand -hex 32` and keep it safe.');
    const file = join(dataDir, 'master.key');
    if (existsSync(file)) masterKey = readFileSync(file, 'utf8').trim();
    else {
      mkdirSync(dataDir, { recursive: true });
      masterKey = randomBytes(32).toString('hex');
      writeFileSync(file, `${masterKey}\n`, { mode: 0o600 });
    }
  }
  return {
    env: mode,
    host,
    port,
    dataDir,
    databaseUrl,
    masterKey,
    publicUrl: (overrides.publicUrl ?? env.SAOMA_PUBLIC_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/$/, ''),
    sandbox,
    sandboxUrl: overrides.sandboxUrl ?? env.SAOMA_SANDBOX_URL ?? null,
    sandboxKey: overrides.sandboxKey ?? env.SAOMA_SANDBOX_KEY ?? 'saoma-sandbox-key',
    walletEmulators: sandbox && (overrides.walletEmulators ?? bool(env, 'SAOMA_SANDBOX_WALLETS') ?? mode !== 'test'),
    standPaysPerMinute: overrides.standPaysPerMinute ?? int(env, 'SAOMA_STAND_PAYS_PER_MINUTE', 20, 1),
    qrTtlMs: overrides.qrTtlMs ?? int(env, 'SAOMA_QR_TTL_SECONDS', 300, 10) * 1000,
    payCodeGiveUpMs: overrides.payCodeGiveUpMs !== undefined ? overrides.payCodeGiveUpMs : env.SAOMA_PAYCODE_GIVEUP_SECONDS ? int(env, 'SAOMA_PAYCODE_GIVEUP_SECONDS', 45, 1) * 1000 : null,
    queryIntervalMs: overrides.queryIntervalMs !== undefined ? overrides.queryIntervalMs : env.SAOMA_QUERY_INTERVAL_MS ? int(env, 'SAOMA_QUERY_INTERVAL_MS', 2000, 50) : null,
    workerIntervalMs: overrides.workerIntervalMs ?? int(env, 'SAOMA_WORKER_INTERVAL_MS', 250, 10),
    logLevel: overrides.logLevel ?? env.SAOMA_LOG_LEVEL ?? (mode === 'test' ? 'silent' : 'warn'),
    trustProxy: overrides.trustProxy ?? bool(env, 'SAOMA_TRUST_PROXY') ?? false,
    // Resolved now, so a later chdir cannot point it elsewhere; read (and validated) by src/paycode-rules.ts.
    paycodeRulesFile: overrides.paycodeRulesFile !== undefined ? overrides.paycodeRulesFile : env.SAOMA_PAYCODE_RULES ? resolve(env.SAOMA_PAYCODE_RULES) : null,
  };
}

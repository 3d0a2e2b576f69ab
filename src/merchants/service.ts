import { randomBytes } from 'node:crypto';
import { OPERATOR_ROLES, type OperatorRole } from '../core/domain.ts';
import { SaomaError } from '../core/errors.ts';
import { parseCurrency } from '../core/money.ts';
import type { Principal } from '../core/roles.ts';
import { hashPin, hashToken, verifyPin, type Sealer } from '../security/secrets.ts';
import { nowIso, type Store } from '../store/db.ts';
import { newId, newToken } from '../store/ids.ts';
import { toMerchant, toOperator } from '../payments/rows.ts';

export const MAX_PIN_FAILURES = 5;
export const PIN_LOCK_MS = 15 * 60_000;
const SESSION_MS = 12 * 3600_000;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Merchants and what hangs off them: stores, terminals, operators, API keys, the webhook endpoint. */
export class MerchantService {
  private readonly store: Store;
  private readonly sealer: Sealer;

  constructor(store: Store, sealer: Sealer) {
    this.store = store;
    this.sealer = sealer;
  }

  async createMerchant(input: { name: string; timezone?: string | undefined; currency?: string | undefined; webhookUrl?: string | undefined; id?: string }) {
    const timezone = input.timezone ?? 'Asia/Shanghai';
    if (!isTimeZone(timezone)) throw new SaomaError('invalid_request', `"${timezone}" is not an IANA time zone such as "Asia/Shanghai".`);
    const currency = parseCurrency(input.currency ?? 'CNY');
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = {
      id: input.id ?? newId('mch'), name: input.name, timezone, currency, webhook_url: input.webhookUrl ?? null,
      webhook_secret_enc: this.sealer.seal(webhookSecret), created_at: nowIso(),
    };
    await this.store.write((tx) => tx.insertInto('merchants').values(row).execute());
    return { ...toMerchant(row), webhookSecret };
  }

  async getMerchant(id: string) {
    const row = await this.store.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SaomaError('not_found', `No merchant ${id}.`);
    return toMerchant(row);
  }

  async listMerchants(limit: number) {
    const rows = await this.store.db.selectFrom('merchants').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toMerchant);
  }

  async updateWebhook(merchantId: string, url: string | null, rotateSecret: boolean) {
    await this.getMerchant(merchantId);
    const secret = rotateSecret ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    await this.store.write(async (tx) => {
      await tx.updateTable('merchants').set({ webhook_url: url, ...(secret ? { webhook_secret_enc: this.sealer.seal(secret) } : {}) })
        .where('id', '=', merchantId).execute();
      // Events parked while there was no endpoint go out now.
      if (url) await tx.updateTable('outbox').set({ state: 'pending', next_attempt_at: nowIso() }).where('merchant_id', '=', merchantId).where('state', '=', 'no_endpoint').execute();
    });
    return { ...(await this.getMerchant(merchantId)), ...(secret ? { webhookSecret: secret } : {}) };
  }

  async createStore(merchantId: string, name: string) {
    await this.getMerchant(merchantId);
    const row = { id: newId('sto'), merchant_id: merchantId, name, created_at: nowIso() };
    await this.store.write((tx) => tx.insertInto('stores').values(row).execute());
    return { id: row.id, merchantId, name, createdAt: row.created_at };
  }

  async listStores(merchantId: string) {
    const rows = await this.store.db.selectFrom('stores').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, name: r.name, createdAt: r.created_at }));
  }

  private async requireStore(merchantId: string, storeId: string) {
    const s = await this.store.db.selectFrom('stores').select('id').where('id', '=', storeId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!s) throw new SaomaError('not_found', `No store ${storeId} for this merchant.`);
  }

  /** The device token is shown once; only its hash is kept. */
  async createTerminal(merchantId: string, storeId: string, name: string, token = newToken('term')) {
    await this.requireStore(merchantId, storeId);
    const row = { id: newId('trm'), merchant_id: merchantId, store_id: storeId, name, token_hash: hashToken(token), created_at: nowIso() };
    await this.store.write((tx) => tx.insertInto('terminals').values(row).execute());
    return { id: row.id, merchantId, storeId, name, createdAt: row.created_at, token };
  }

  async listTerminals(merchantId: string) {
    const rows = await this.store.db.selectFrom('terminals').select(['id', 'store_id', 'name', 'created_at']).where('merchant_id', '=', merchantId).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, merchantId, storeId: r.store_id, name: r.name, createdAt: r.created_at }));
  }

  async createOperator(merchantId: string, input: { name: string; role: string; pin: string; storeId?: string | undefined }) {
    if (!OPERATOR_ROLES.includes(input.role as OperatorRole)) throw new SaomaError('invalid_request', `role must be one of ${OPERATOR_ROLES.join(', ')}.`);
    if (!/^\d{4,8}$/.test(input.pin)) throw new SaomaError('invalid_request', 'pin must be 4 to 8 digits.');
    if (input.storeId) await this.requireStore(merchantId, input.storeId);
    else await this.getMerchant(merchantId);
    const row = {
      id: newId('opr'), merchant_id: merchantId, store_id: input.storeId ?? null, name: input.name, role: input.role,
      pin_hash: hashPin(input.pin), failed_attempts: 0, locked_until: null, created_at: nowIso(),
    };
    await this.store.write((tx) => tx.insertInto('operators').values(row).execute());
    return toOperator(row);
  }

  async listOperators(merchantId: string) {
    const rows = await this.store.db.selectFrom('operators').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').execute();
    return rows.map(toOperator);
  }

  /**
   * PIN login on a terminal. Five wrong PINs lock the operator for 15 minutes; the lock and the counter
   * are in the database so a restart or a second terminal does not reset them.
   */
  /** End an operator session now (a supervisor who approved one refund, a cashier logging out). */
  async logout(token: string): Promise<void> {
    await this.store.write((tx) => tx.deleteFrom('operator_sessions').where('token_hash', '=', hashToken(token)).execute());
  }

  async login(terminal: Extract<Principal, { kind: 'terminal' }>, operatorId: string, pin: string) {
    const op = await this.store.db.selectFrom('operators').selectAll().where('id', '=', operatorId).where('merchant_id', '=', terminal.merchantId).executeTakeFirst();
    if (!op || (op.store_id && op.store_id !== terminal.storeId)) throw new SaomaError('not_found', `No operator ${operatorId} at this store.`);
    const locked = (until: string) => new SaomaError('operator_locked', `Too many wrong PINs; this operator is locked until ${until}. Ask a manager.`, { lockedUntil: until });
    if (op.locked_until && Date.parse(op.locked_until) > Date.now()) throw locked(op.locked_until);
    const ok = await verifyPin(pin, op.pin_hash);
    const now = nowIso();
    if (!ok) {
      // Count atomically: wrong PINs sent in parallel must not each see the same count.
      const outcome = await this.store.write(async (tx) => {
        const r = await tx.updateTable('operators').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
          .where('id', '=', op.id).returning(['failed_attempts', 'locked_until']).executeTakeFirstOrThrow();
        if (r.locked_until && r.locked_until > now) return { lockedUntil: r.locked_until, failures: r.failed_attempts };
        if (r.failed_attempts < MAX_PIN_FAILURES) return { lockedUntil: null, failures: r.failed_attempts };
        const until = new Date(Date.now() + PIN_LOCK_MS).toISOString();
        await tx.updateTable('operators').set({ failed_attempts: 0, locked_until: until }).where('id', '=', op.id).execute();
        return { lockedUntil: until, failures: r.failed_attempts };
      });
      if (outcome.lockedUntil) throw locked(outcome.lockedUntil);
      const left = MAX_PIN_FAILURES - outcome.failures;
      throw new SaomaError('bad_pin', `Wrong PIN; ${left} ${left === 1 ? 'try' : 'tries'} left before the operator is locked.`, { triesLeft: left });
    }
    const token = newToken('ops');
    const expires = new Date(Date.now() + SESSION_MS).toISOString();
    await this.store.write(async (tx) => {
      // A lock set by a parallel wrong PIN wins over this right one.
      const r = await tx.updateTable('operators').set({ failed_attempts: 0 }).where('id', '=', op.id)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)])).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw locked((await tx.selectFrom('operators').select('locked_until').where('id', '=', op.id).executeTakeFirstOrThrow()).locked_until ?? now);
      await tx.updateTable('operators').set({ locked_until: null }).where('id', '=', op.id).execute();
      await tx.insertInto('operator_sessions').values({ token_hash: hashToken(token), operator_id: op.id, terminal_id: terminal.terminalId, expires_at: expires }).execute();
    });
    return { token, expiresAt: expires, operator: toOperator(op) };
  }

  /** An API key's secret is needed to check signatures, so it is sealed (not hashed); shown once. */
  async createApiKey(merchantId: string | null) {
    if (merchantId) await this.getMerchant(merchantId);
    const id = newId('key');
    const secret = `sk_${randomBytes(32).toString('base64url')}`;
    await this.store.write((tx) => tx.insertInto('api_keys').values({
      id, merchant_id: merchantId, kind: merchantId ? 'merchant' : 'platform', secret_enc: this.sealer.seal(secret), created_at: nowIso(), revoked_at: null,
    }).execute());
    return { id, merchantId, secret };
  }

  async revokeApiKey(merchantId: string, keyId: string) {
    const r = await this.store.write((tx) => tx.updateTable('api_keys').set({ revoked_at: nowIso() }).where('id', '=', keyId).where('merchant_id', '=', merchantId).executeTakeFirst());
    if (Number(r.numUpdatedRows) !== 1) throw new SaomaError('not_found', `No API key ${keyId} for this merchant.`);
  }
}

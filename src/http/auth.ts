import type { FastifyRequest } from 'fastify';
import { SaomaError } from '../core/errors.ts';
import { can, ownsMerchant, type Permission, type Principal } from '../core/roles.ts';
import { SIGNATURE_WINDOW_SECONDS, signRequest } from '../security/request-signing.ts';
import { hashToken, safeEqualHex, type Sealer } from '../security/secrets.ts';
import { isUniqueViolation, nowIso, writeContext, type Store, type Tx } from '../store/db.ts';
import type { DisplayTokens } from '../display/token.ts';
import { header } from './headers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
    principal?: Principal;
  }
}

const KEY_CACHE_MS = 30_000;

/**
 * Who is calling. Four ways in:
 * - `Authorization: Bearer term_…`: a terminal's device token (the POS);
 * - `Authorization: Bearer ops_…`: an operator session opened with a PIN on a terminal;
 * - `Authorization: Bearer disp_…`: a customer display paired with one terminal (read-only, signed, see display/token.ts);
 * - `Saoma-Key/Saoma-Timestamp/Saoma-Nonce/Saoma-Signature`: a merchant or platform API key, signed
 *   over method, path, timestamp, nonce and body; ±5 minutes; each nonce accepted once.
 */
export class Authenticator {
  private readonly store: Store;
  private readonly sealer: Sealer;
  /**
   * Opened key secrets, kept briefly: a revocation on this instance takes effect at once (`forget`), on
   * other instances sharing the database within KEY_CACHE_MS.
   */
  private readonly secretCache = new Map<string, { merchantId: string | null; secret: string; revoked: boolean; until: number }>();
  /** Set by the display routes, which hold the signing key; until then a display token is unknown. */
  private displayTokens: DisplayTokens | null = null;

  constructor(store: Store, sealer: Sealer) {
    this.store = store;
    this.sealer = sealer;
  }

  async authenticate(req: FastifyRequest): Promise<Principal> {
    const auth = header(req, 'authorization');
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new SaomaError('unauthenticated', 'Authorization must be "Bearer <token>".');
      return this.bearer(m[1]!);
    }
    if (header(req, 'saoma-key')) return this.signed(req);
    throw new SaomaError('unauthenticated', 'Send a terminal token (Authorization: Bearer …) or a signed API key request (Saoma-Key, Saoma-Timestamp, Saoma-Nonce, Saoma-Signature).');
  }

  useDisplayTokens(tokens: DisplayTokens): void {
    this.displayTokens = tokens;
  }

  private async bearer(token: string): Promise<Principal> {
    if (token.startsWith('disp_')) return this.display(token);
    const hash = hashToken(token);
    if (token.startsWith('term_')) {
      const t = await this.store.db.selectFrom('terminals').select(['id', 'merchant_id', 'store_id']).where('token_hash', '=', hash).executeTakeFirst();
      if (t) return { kind: 'terminal', merchantId: t.merchant_id, storeId: t.store_id, terminalId: t.id };
    } else if (token.startsWith('ops_')) {
      const s = await this.store.db.selectFrom('operator_sessions as s').innerJoin('operators as o', 'o.id', 's.operator_id')
        .innerJoin('terminals as t', 't.id', 's.terminal_id')
        .select(['o.id as operator_id', 'o.role', 'o.merchant_id', 't.id as terminal_id', 't.store_id', 's.expires_at'])
        .where('s.token_hash', '=', hash).executeTakeFirst();
      if (s && Date.parse(s.expires_at) > Date.now()) {
        return { kind: 'operator', merchantId: s.merchant_id, storeId: s.store_id, terminalId: s.terminal_id, operatorId: s.operator_id, role: s.role as 'cashier' };
      }
      if (s) throw new SaomaError('unauthenticated', 'This operator session has expired; log in with the PIN again.');
    }
    throw new SaomaError('unauthenticated', 'Unknown or revoked token.');
  }

  /** Checked against the terminal on every request, so a deleted or re-issued terminal ends its displays' access at once. */
  private async display(token: string): Promise<Principal> {
    const claims = this.displayTokens?.verify(token);
    if (claims) {
      const t = await this.store.db.selectFrom('terminals').select(['token_hash']).where('id', '=', claims.terminalId)
        .where('merchant_id', '=', claims.merchantId).executeTakeFirst();
      if (t && safeEqualHex(this.displayTokens!.fingerprint(t.token_hash), claims.bound)) {
        return { kind: 'display', merchantId: claims.merchantId, terminalId: claims.terminalId };
      }
    }
    throw new SaomaError('unauthenticated', 'This customer display link is expired or no longer valid; pair the display again from the POS.');
  }

  private async keySecret(keyId: string) {
    let k = this.secretCache.get(keyId);
    if (!k || k.until < Date.now()) {
      const row = await this.store.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
      if (!row) throw new SaomaError('unauthenticated', `Unknown API key ${keyId}.`);
      k = { merchantId: row.merchant_id, secret: this.sealer.open(row.secret_enc), revoked: row.revoked_at !== null, until: Date.now() + KEY_CACHE_MS };
      if (!k.revoked) this.secretCache.set(keyId, k);
    }
    if (k.revoked) throw new SaomaError('unauthenticated', `API key ${keyId} has been revoked.`);
    return k;
  }

  /** Called after a key is revoked so the cache cannot keep it alive. */
  forget(keyId: string): void {
    this.secretCache.delete(keyId);
  }

  private async signed(req: FastifyRequest): Promise<Principal> {
    const keyId = header(req, 'saoma-key')!;
    const ts = header(req, 'saoma-timestamp');
    const nonce = header(req, 'saoma-nonce');
    const sig = header(req, 'saoma-signature');
    if (!ts || !nonce || !sig) throw new SaomaError('unauthenticated', 'A signed request needs Saoma-Timestamp, Saoma-Nonce and Saoma-Signature headers.');
    if (!/^\d{1,12}$/.test(ts)) throw new SaomaError('stale_timestamp', 'Saoma-Timestamp must be unix seconds.');
    if (nonce.length < 8 || nonce.length > 128) throw new SaomaError('unauthenticated', 'Saoma-Nonce must be 8 to 128 characters; use a random UUID.');
    const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(ts));
    if (skew > SIGNATURE_WINDOW_SECONDS) {
      throw new SaomaError('stale_timestamp', `Saoma-Timestamp is ${skew} s away from the server clock (allowed ±${SIGNATURE_WINDOW_SECONDS} s); check the client's clock.`);
    }
    const key = await this.keySecret(keyId);
    const expected = signRequest(key.secret, req.method, req.url, ts, nonce, req.rawBody ?? '');
    if (!safeEqualHex(expected, sig.toLowerCase())) {
      throw new SaomaError('bad_signature', 'Saoma-Signature does not match: sign METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nhex(sha256(body)) with HMAC-SHA256 and the key secret.');
    }
    // Recorded only once the signature holds, so a forged request cannot burn someone else's nonce.
    const record = async (tx: Tx) => {
      try {
        await tx.insertInto('nonces').values({
          key_id: keyId, nonce, expires_at: new Date((Number(ts) + SIGNATURE_WINDOW_SECONDS) * 1000).toISOString(),
        }).execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw new SaomaError('replayed_nonce', 'This nonce was already used; every request needs a fresh Saoma-Nonce.');
        throw e;
      }
    };
    const ctx = writeContext.getStore();
    // A request that changes something records its nonce in its own first transaction; a read (or a
    // request outside the HTTP pipeline) records it now.
    if (ctx && req.method !== 'GET' && req.method !== 'HEAD') ctx.before = record;
    else await this.store.write(record);
    return key.merchantId ? { kind: 'merchant', merchantId: key.merchantId, keyId } : { kind: 'platform' };
  }

  async purgeNonces(): Promise<void> {
    await this.store.write((tx) => tx.deleteFrom('nonces').where('expires_at', '<', nowIso()).execute());
  }
}

export function requirePermission(p: Principal, perm: Permission): void {
  if (!can(p, perm)) throw new SaomaError('forbidden', `This caller (${p.kind === 'operator' ? `${p.role} operator` : p.kind}) may not ${perm.replace(':', ' ')}.`);
}

/** Other merchants' resources are reported as missing, so ids cannot be probed. */
export function requireMerchant(p: Principal, merchantId: string): void {
  if (!ownsMerchant(p, merchantId)) throw new SaomaError('not_found', `No merchant ${merchantId}.`);
}

/** The merchant a merchant-scoped call acts for: the caller's own, or (platform) the one named. */
export function actingMerchant(p: Principal, named: string | undefined): string {
  if (p.kind === 'platform') {
    if (!named) throw new SaomaError('invalid_request', 'A platform key must name the merchant with the Saoma-Merchant header.');
    return named;
  }
  if (named && named !== p.merchantId) throw new SaomaError('not_found', `No merchant ${named}.`);
  return p.merchantId;
}

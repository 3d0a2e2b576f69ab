import { createHmac, randomBytes } from 'node:crypto';
import { safeEqualHex } from '../security/secrets.ts';

/**
 * Short-lived signed values the stand hands to the browser (the payer cookie, the OAuth `state`): the
 * browser can carry them but not forge or extend them. `payload.e` is the expiry in ms since epoch.
 */
export class StandSigner {
  private readonly secret: Buffer;

  /** A key of its own, derived from the master key, so a leaked stand token says nothing about sealed secrets. */
  constructor(masterKey: string) {
    this.secret = createHmac('sha256', masterKey).update('saoma/stand-token/v1').digest();
  }

  sign(payload: Record<string, string>, ttlMs: number, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...payload, e: now + ttlMs, n: randomBytes(6).toString('hex') })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string | undefined, now = Date.now()): Record<string, string> | null {
    if (!token || token.length > 2048) return null;
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    if (!safeEqualHex(token.slice(dot + 1), this.mac(body))) return null;
    try {
      const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof v.e !== 'number' || v.e <= now) return null;
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
      return out;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('hex');
  }
}

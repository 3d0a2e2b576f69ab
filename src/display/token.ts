import { createHmac } from 'node:crypto';
import { safeEqualHex } from '../security/secrets.ts';

export const DISPLAY_TOKEN_PREFIX = 'disp_';
/** A display sits on the counter for weeks; re-pairing it monthly is the price of a stateless token. */
export const DISPLAY_TOKEN_TTL_MS = 30 * 24 * 3600_000;

export interface DisplayClaims {
  merchantId: string;
  terminalId: string;
  /** Fingerprint of the terminal's device token when the display was paired: a new device token ends the pairing. */
  bound: string;
  expiresAt: number;
}

/**
 * Customer display tokens: `disp_<claims>.<hmac>`, stateless and read-only. Signed with a key of their
 * own derived from the master key (like the stand's), so nothing else signed by Saoma passes as one.
 * A token names one terminal and is bound to that terminal's current device token, so replacing or
 * deleting the terminal revokes every display paired with it without a table of display tokens.
 */
export class DisplayTokens {
  private readonly secret: Buffer;

  constructor(masterKey: string) {
    this.secret = createHmac('sha256', masterKey).update('saoma/display-token/v1').digest();
  }

  /** What ties a display to the terminal's device token, without storing or revealing the token's hash. */
  fingerprint(terminalTokenHash: string): string {
    return this.mac(`bind\n${terminalTokenHash}`).slice(0, 32);
  }

  issue(merchantId: string, terminalId: string, terminalTokenHash: string, now = Date.now()): { token: string; expiresAt: string } {
    const expiresAt = now + DISPLAY_TOKEN_TTL_MS;
    const body = Buffer.from(JSON.stringify({ m: merchantId, t: terminalId, b: this.fingerprint(terminalTokenHash), e: expiresAt })).toString('base64url');
    return { token: `${DISPLAY_TOKEN_PREFIX}${body}.${this.mac(body)}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The claims of a genuine, unexpired token; null for anything else (forged, truncated, expired). */
  verify(token: string, now = Date.now()): DisplayClaims | null {
    if (!token.startsWith(DISPLAY_TOKEN_PREFIX) || token.length > 1024) return null;
    const rest = token.slice(DISPLAY_TOKEN_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) return null;
    const body = rest.slice(0, dot);
    if (!safeEqualHex(rest.slice(dot + 1), this.mac(body))) return null;
    try {
      const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof v.m !== 'string' || typeof v.t !== 'string' || typeof v.b !== 'string' || typeof v.e !== 'number') return null;
      if (v.e <= now) return null;
      return { merchantId: v.m, terminalId: v.t, bound: v.b, expiresAt: v.e };
    } catch {
      return null;
    }
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('hex');
  }
}

import { createHmac, randomBytes } from 'node:crypto';
import { safeEqualHex } from '../security/secrets.ts';

/** Stand codes: lower-case Crockford base32, 12 characters. Short enough for a URL on a sticker. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const STAND_CODE = /^[0-9a-hjkmnp-tv-z]{12}$/;

/**
 * A signed stand code: 7 random characters (35 bits) then 5 characters (25 bits) of an HMAC of them
 * under a key derived from the master key. Only this installation can make a code that verifies, so a
 * code in the registry that does not verify was not issued here (a row written behind our back), and
 * a sticker's URL can be checked without trusting the database alone. Codes issued before signing
 * (all random) stay valid through the registry; their rows are marked unsigned.
 */
export class StandCodes {
  private readonly key: Buffer;

  constructor(masterKey: string) {
    this.key = createHmac('sha256', masterKey).update('saoma/stand-code/v1').digest();
  }

  issue(): string {
    let head = '';
    for (const b of randomBytes(7)) head += ALPHABET[b & 31];
    return head + this.mac(head);
  }

  verify(code: string): boolean {
    if (!STAND_CODE.test(code)) return false;
    return safeEqualHex(code.slice(7), this.mac(code.slice(0, 7)));
  }

  private mac(head: string): string {
    const d = createHmac('sha256', this.key).update(head).digest();
    let bits = 0;
    let n = 0;
    let out = '';
    for (const byte of d) {
      bits = (bits << 8) | byte;
      n += 8;
      while (n >= 5 && out.length < 5) {
        out += ALPHABET[(bits >> (n - 5)) & 31];
        n -= 5;
      }
      if (out.length === 5) break;
      bits &= (1 << n) - 1;
    }
    return out;
  }
}

import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

// One system call for many ids: ids are minted several times per payment.
let pool = Buffer.alloc(0);
let offset = 0;
function random(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

/**
 * Time-ordered ids (`pay_01j…`): 48 bits of milliseconds then 80 random bits, Crockford base32 like
 * ULID. Time order keeps inserts at the right edge of the B-trees.
 */
export function newId(prefix: string): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = random(10);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const v = ((rnd[byte]! << 8) | (byte + 1 < 10 ? rnd[byte + 1]! : 0)) >> (11 - (bit & 7));
    tail += ALPHABET[v & 31];
  }
  return `${prefix}_${time}${tail}`;
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

import { createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U

/**
 * Signs verification receipts with Ed25519. The key is derived from the master key, so every instance
 * of one installation signs alike and a record stays verifiable after a restart; it is a key of its own,
 * so a leaked receipt key says nothing about sealed secrets.
 */
export class ReceiptSigner {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  private readonly codeKey: Buffer;

  constructor(masterKey: string) {
    const seed = createHmac('sha256', masterKey).update('saoma/receipt-signing/v1').digest();
    this.privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.privateKey);
    this.codeKey = createHmac('sha256', masterKey).update('saoma/receipt-code/v1').digest();
  }

  sign(canonical: string): string {
    return sign(null, Buffer.from(canonical), this.privateKey).toString('base64url');
  }

  verify(canonical: string, signature: string): boolean {
    try {
      return verify(null, Buffer.from(canonical), this.publicKey, Buffer.from(signature, 'base64url'));
    } catch {
      return false;
    }
  }

  /** The public key as PEM, for anyone who wants to check a record themselves. */
  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /**
   * A short code for the slip, from the record id: 10 characters (50 bits) a person can read out or
   * type, printed in groups (K7Q2-M9XD-3F). Not guessable without the key.
   */
  code(recordId: string): string {
    const mac = createHmac('sha256', this.codeKey).update(recordId).digest();
    let bits = 0n;
    for (let i = 0; i < 7; i++) bits = (bits << 8n) | BigInt(mac[i]!);
    let out = '';
    for (let i = 0; i < 10; i++) out += CODE_ALPHABET[Number((bits >> BigInt(51 - 5 * (i + 1))) & 31n)];
    return out;
  }
}

/** A typed or scanned code to its stored form: case, spaces, dashes and look-alikes forgiven. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

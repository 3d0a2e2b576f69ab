/**
 * The wallets the simulator can be, and the payment codes (付款码) each one shows: that wallet's real shape
 * (src/core/paycode.ts) so the POS routes it by its digits alone, and its emulator's customer chosen by the
 * last two digits (the scenario table in each src/channels/<wallet>/emulator.ts).
 */
export type WalletId = 'sandbox' | 'alipay' | 'wechat' | 'unionpay' | 'qq';
export const WALLETS: readonly WalletId[] = ['alipay', 'wechat', 'unionpay', 'qq', 'sandbox'];

/** What the customer behind a code does when the cashier charges it (the last two digits). */
export type Outcome = '00' | '01' | '02' | '03' | '04' | '05' | '06' | '07';

interface Shape {
  /** Leading digits, one picked at random per code. */
  prefixes: readonly string[];
  length: number;
  outcomes: readonly Outcome[];
}

const COMMON: readonly Outcome[] = ['00', '02', '01', '03', '04', '05'];

export const SHAPES: Record<WalletId, Shape> = {
  // 28… with 18 digits is the sandbox wallet's while the sandbox is on (src/core/paycode.ts SANDBOX_TABLE),
  // so the simulated Alipay app uses Alipay's other prefixes: the POS would otherwise route it to the sandbox.
  alipay: { prefixes: ['25', '26', '27', '29', '30'], length: 18, outcomes: [...COMMON, '06'] },
  wechat: { prefixes: ['10', '11', '12', '13', '14', '15'], length: 18, outcomes: [...COMMON, '06', '07'] },
  unionpay: { prefixes: ['62'], length: 19, outcomes: [...COMMON, '06', '07'] },
  qq: { prefixes: ['91'], length: 18, outcomes: [...COMMON, '06', '07'] },
  sandbox: { prefixes: ['28'], length: 18, outcomes: COMMON },
};

type Random = (n: number) => Uint8Array;
const cryptoRandom: Random = (n) => crypto.getRandomValues(new Uint8Array(n));

/** A fresh code for `wallet`: a prefix, random digits, then the outcome. */
export function walletPaymentCode(wallet: WalletId, outcome: Outcome, random: Random = cryptoRandom): string {
  const shape = SHAPES[wallet];
  const bytes = random(shape.length + 1);
  const prefix = shape.prefixes[bytes[0]! % shape.prefixes.length]!;
  let middle = '';
  for (let i = 0; middle.length < shape.length - prefix.length - 2; i++) middle += String(bytes[i + 1]! % 10);
  return `${prefix}${middle}${outcome}`;
}

/** A fresh sandbox-wallet code (28…, 18 digits). */
export function newPaymentCode(outcome: Outcome, random: Random = cryptoRandom): string {
  return walletPaymentCode('sandbox', outcome, random);
}

/** Digits in groups of four, as wallet apps print them under the code. */
export function groupDigits(code: string): string {
  return code.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** A one-code stand's URL (/s/<12-character code>), which the wallet opens as a web page rather than a cashier. */
export function isStandUrl(text: string): boolean {
  return /^https?:\/\/[^/\s]+\/s\/[0-9a-hjkmnp-tv-z]{12}\/?(?:[?#]\S*)?$/.test(text.trim());
}

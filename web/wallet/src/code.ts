/**
 * Sandbox payment codes: 18 digits starting 28; the last two choose what the sandbox wallet does when
 * a POS charges the code (README "The sandbox wallets").
 */
export type Outcome = '00' | '01' | '02' | '03';
export const OUTCOMES: readonly Outcome[] = ['00', '01', '02', '03'];

/** A fresh code: "28", 14 random digits, then the outcome. */
export function newPaymentCode(outcome: Outcome, random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const bytes = random(14);
  let middle = '';
  for (let i = 0; i < 14; i++) middle += String(bytes[i]! % 10);
  return `28${middle}${outcome}`;
}

/** Digits in groups of four, as wallet apps print them under the code. */
export function groupDigits(code: string): string {
  return code.replace(/(\d{4})(?=\d)/g, '$1 ');
}

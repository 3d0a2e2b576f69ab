/**
 * Code 128 as the wallet apps print it under their payment-code QR: start C, the digits two at a time,
 * the mod-103 check symbol, stop. Pure (no DOM), so a unit test can check it. Set C only: every wallet's
 * payment code is an even number of digits (18 or 19 — an odd one gets its last digit through code B).
 */

/** Bar/space widths of symbols 0–106, in modules; each symbol is 11 modules wide, the stop 13. */
const PATTERNS = (
  '212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 113222 ' +
  '123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 212123 212321 ' +
  '232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 ' +
  '313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 ' +
  '111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 ' +
  '111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 ' +
  '114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112'
).split(' ');

export const START_B = 104;
export const START_C = 105;
export const CODE_B = 100;
export const STOP = 106;

/** The symbol values for `digits`: start C, pairs, (code B + last digit when odd), check, stop. */
export function code128Symbols(digits: string): number[] {
  if (!/^\d+$/.test(digits)) throw new RangeError('Code 128 set C takes digits only');
  const out = [START_C];
  let i = 0;
  for (; i + 1 < digits.length; i += 2) out.push(Number(digits.slice(i, i + 2)));
  // Set B's digit symbols are the ASCII code minus 32: '0' (48) is 16.
  if (i < digits.length) out.push(CODE_B, digits.charCodeAt(i) - 32);
  let sum = out[0]!;
  for (let k = 1; k < out.length; k++) sum += out[k]! * k;
  out.push(sum % 103, STOP);
  return out;
}

/** Alternating bar and space widths (bar first), in modules, for the whole symbol without quiet zones. */
export function code128Widths(digits: string): number[] {
  const widths: number[] = [];
  for (const s of code128Symbols(digits)) for (const c of PATTERNS[s]!) widths.push(Number(c));
  return widths;
}

export const PATTERN_TABLE: readonly string[] = PATTERNS;

/**
 * The EMVCo MPM checksum: CRC-16/CCITT-FALSE (ISO/IEC 13239), polynomial 0x1021, initial value 0xFFFF,
 * no reflection, no final XOR. It runs over the UTF-8 bytes of the payload up to and including "6304"
 * (the CRC's own ID and length), so a Chinese merchant name changes the CRC by its bytes even though
 * its TLV length counts characters.
 */

/** UTF-8 bytes of a string, written out here so the core needs neither Buffer nor TextEncoder. */
export function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return bytes;
}

/** Four uppercase hex digits, zero-padded (a 3-digit CRC is a bug some libraries have; 0x0ABC is "0ABC"). */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of utf8Bytes(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

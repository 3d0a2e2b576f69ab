import { crc32, deflateSync } from 'node:zlib';

/**
 * The POS app icon, drawn at build time (no binary in the repository): the brand green with white
 * scan-frame corners and a scan line. Everything sits inside the middle 60%, so it also works as a
 * maskable icon that a launcher crops to a circle.
 */
export function iconPng(size: number): Buffer {
  const bg = [0x0b, 0x6b, 0x4f];
  const fg = [0xff, 0xff, 0xff];
  const rows: Buffer[] = [];
  const lo = 0.22 * size;
  const hi = 0.78 * size;
  const arm = 0.17 * size;
  const w = Math.max(2, Math.round(0.05 * size));
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      const nearX = x >= lo && x < lo + w ? 'l' : x < hi && x >= hi - w ? 'r' : '';
      const nearY = y >= lo && y < lo + w ? 't' : y < hi && y >= hi - w ? 'b' : '';
      const inArmX = (x >= lo && x < lo + arm) || (x < hi && x >= hi - arm);
      const inArmY = (y >= lo && y < lo + arm) || (y < hi && y >= hi - arm);
      const corner = (nearX !== '' && inArmY) || (nearY !== '' && inArmX);
      const line = Math.abs(y - size / 2) < w / 2 && x >= lo + 2 * w && x < hi - 2 * w;
      const c = corner || line ? fg : bg;
      row[1 + x * 4] = c[0]!;
      row[2 + x * 4] = c[1]!;
      row[3 + x * 4] = c[2]!;
      row[4 + x * 4] = 0xff;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The icon files the manifest names, by their path under /pos/. */
export const ICONS: Record<string, number> = { 'icons/icon-192.png': 192, 'icons/icon-512.png': 512 };

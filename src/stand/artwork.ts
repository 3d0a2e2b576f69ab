import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { SaomaError } from '../core/errors.ts';
import { checkQrPrint, type QrQuality } from '../printing/qr-quality.ts';
import { walletName } from './i18n.ts';

/**
 * Print-ready counter stands: the QR at a chosen physical size with its 4-module quiet zone, the
 * merchant and store, the wallets taken, and the stand's code in letters so staff and customers can
 * check a sticker against the payment page. Vector output only (SVG, PDF): stands go to a print shop
 * on durable stock, never on thermal paper, which fades.
 */
export interface StandArt {
  url: string;
  code: string;
  merchantName: string;
  storeName: string;
  standName: string;
  /** Channels taken at this store (alipay, wechat, …). */
  wallets: string[];
}

export interface ArtOptions { sizeMm: number; dpi: number; distanceCm: number; logo?: boolean }

export const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const CJK_FONT_NAME = 'NotoSansCJKsc-Regular';
const MARGIN_MM = 10;
const PT_PER_MM = 72 / 25.4;

/** Check before export; an error stops it (nothing half-made), warnings travel with the artwork. */
export function checkStand(art: StandArt, opts: ArtOptions): QrQuality {
  const q = checkQrPrint({ payload: art.url, sizeMm: opts.sizeMm, dpi: opts.dpi, distanceCm: opts.distanceCm, logo: opts.logo ?? false });
  if (!q.ok) {
    const first = q.findings.find((f) => f.level === 'error')!;
    throw new SaomaError(first.code === 'qr_too_dense' ? 'qr_too_dense' : 'invalid_request', `Stand ${art.code}: ${first.message}`, { findings: q.findings });
  }
  return q;
}

function modulesOf(url: string, ecLevel: QrQuality['ecLevel']): { size: number; dark: (x: number, y: number) => boolean } {
  const qr = QRCode.create(url, { errorCorrectionLevel: ecLevel });
  return { size: qr.modules.size, dark: (x, y) => qr.modules.get(y, x) === 1 };
}

/** Horizontal runs of dark modules: one rectangle per run keeps files small and edges crisp. */
function runs(m: ReturnType<typeof modulesOf>): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let y = 0; y < m.size; y++) {
    let x = 0;
    while (x < m.size) {
      if (!m.dark(x, y)) { x++; continue; }
      const start = x;
      while (x < m.size && m.dark(x, y)) x++;
      out.push([start, y, x - start]);
    }
  }
  return out;
}

function walletLine(wallets: string[]): string {
  return wallets.map((w) => walletName(w, 'zh-Hans')).join(' · ');
}
function walletLineEn(wallets: string[]): string {
  return wallets.map((w) => walletName(w, 'en')).join(' · ');
}

const escXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Layout { pageW: number; pageH: number; qrX: number; qrY: number; qrSize: number; lines: Array<{ text: string; y: number; size: number; bold?: boolean }> }

/** One layout for SVG and PDF, in millimetres. */
function layout(art: StandArt, sizeMm: number): Layout {
  const pageW = sizeMm + 2 * MARGIN_MM;
  const t = Math.max(4, sizeMm / 14); // title size scales with the code
  let y = MARGIN_MM + t;
  const lines: Layout['lines'] = [{ text: art.merchantName, y, size: t, bold: true }];
  y += t * 0.9;
  lines.push({ text: `${art.storeName} · ${art.standName}`, y, size: t * 0.55 });
  const qrY = y + t * 0.5;
  y = qrY + sizeMm + t * 0.9;
  lines.push({ text: '扫码付款 · 掃碼付款 · Scan to pay', y, size: t * 0.7, bold: true });
  y += t * 0.8;
  if (art.wallets.length) {
    lines.push({ text: walletLine(art.wallets), y, size: t * 0.5 });
    y += t * 0.65;
    lines.push({ text: walletLineEn(art.wallets), y, size: t * 0.45 });
    y += t * 0.65;
  }
  lines.push({ text: `${art.code.toUpperCase()} · 付款前请核对商户名称 Check the merchant name before paying`, y, size: Math.max(2.2, t * 0.3) });
  return { pageW, pageH: y + MARGIN_MM, qrX: MARGIN_MM, qrY, qrSize: sizeMm, lines };
}

export function standSvg(art: StandArt, opts: ArtOptions): { svg: string; quality: QrQuality } {
  const quality = checkStand(art, opts);
  const m = modulesOf(art.url, quality.ecLevel);
  const cell = opts.sizeMm / (m.size + 2 * quality.quietZone);
  const L = layout(art, opts.sizeMm);
  const rects = runs(m).map(([x, y, w]) => `M${x + quality.quietZone} ${y + quality.quietZone}h${w}v1h-${w}z`).join('');
  const text = L.lines.map((l) => `<text x="${L.pageW / 2}" y="${l.y.toFixed(2)}" font-size="${l.size.toFixed(2)}"${l.bold ? ' font-weight="700"' : ''} text-anchor="middle">${escXml(l.text)}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${L.pageW.toFixed(2)}mm" height="${L.pageH.toFixed(2)}mm" viewBox="0 0 ${L.pageW.toFixed(2)} ${L.pageH.toFixed(2)}" data-stand="${escXml(art.code)}">`
    + `<rect width="100%" height="100%" fill="#fff"/>`
    + `<g font-family="'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif" fill="#000">${text}</g>`
    + `<g transform="translate(${L.qrX} ${L.qrY.toFixed(2)}) scale(${cell.toFixed(5)})"><path d="${rects}" fill="#000" shape-rendering="crispEdges"/></g>`
    + `</svg>\n`;
  return { svg, quality };
}

/** Several stands in one PDF, one per page, each page sized to its stand. */
export async function standsPdf(arts: StandArt[], opts: ArtOptions, onPage?: (done: number, total: number) => void): Promise<{ pdf: Buffer; qualities: QrQuality[] }> {
  if (!arts.length) throw new SaomaError('invalid_request', 'No stands to export.');
  // Check every stand first: a batch with one bad code exports nothing.
  const qualities = arts.map((a) => checkStand(a, opts));
  if (!existsSync(CJK_FONT)) {
    throw new SaomaError('invalid_request', `The PDF needs the Noto Sans CJK font at ${CJK_FONT}: install it (Debian: apt-get install fonts-noto-cjk), or export SVG.`);
  }
  const doc = new PDFDocument({ autoFirstPage: false, compress: true, info: { Title: 'Saoma stands', Producer: 'Saoma' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((r) => doc.on('end', () => r()));
  doc.registerFont('cjk', CJK_FONT, CJK_FONT_NAME);
  arts.forEach((art, i) => {
    const q = qualities[i]!;
    const L = layout(art, opts.sizeMm);
    doc.addPage({ size: [L.pageW * PT_PER_MM, L.pageH * PT_PER_MM], margin: 0 });
    for (const l of L.lines) {
      const sizePt = l.size * PT_PER_MM;
      doc.font('cjk').fontSize(sizePt).fillColor('#000');
      // y in the layout is the baseline; pdfkit places text by its top.
      doc.text(l.text, 0, (l.y - l.size * 0.88) * PT_PER_MM, { width: L.pageW * PT_PER_MM, align: 'center', lineBreak: false });
    }
    const m = modulesOf(art.url, q.ecLevel);
    const cell = (opts.sizeMm / (m.size + 2 * q.quietZone)) * PT_PER_MM;
    const ox = L.qrX * PT_PER_MM + q.quietZone * cell;
    const oy = L.qrY * PT_PER_MM + q.quietZone * cell;
    for (const [x, y, w] of runs(m)) doc.rect(ox + x * cell, oy + y * cell, w * cell, cell);
    doc.fill('#000');
    onPage?.(i + 1, arts.length);
  });
  doc.end();
  await ended;
  return { pdf: Buffer.concat(chunks), qualities };
}

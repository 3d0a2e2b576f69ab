import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import QRCode from 'qrcode';
import { checkQrPrint, parseSize } from '../../src/printing/qr-quality.ts';
import { standSvg, standsPdf, type StandArt } from '../../src/stand/artwork.ts';
import { readQr } from '../printer/escpos.ts';

const URL31 = 'https://pay.example.com/s/k3q9v2m7xw4d';
const art: StandArt = { url: URL31, code: 'k3q9v2m7xw4d', merchantName: '夜市小吃 Night Market', storeName: '一号档口', standName: '前台', wallets: ['alipay', 'wechat', 'unionpay', 'qq'] };

const codes = (q: ReturnType<typeof checkQrPrint>) => q.findings.map((f) => `${f.level}:${f.code}`).sort();

describe('QR print quality', () => {
  test('a 10 cm stand at a print shop reads from half a metre with nothing to fix', () => {
    const q = checkQrPrint({ payload: URL31, sizeMm: 100, dpi: 300, distanceCm: 50 });
    assert.equal(q.version, 4);
    assert.equal(q.ecLevel, 'Q');
    assert.equal(q.modules, 33);
    assert.equal(q.moduleMm, 2.439); // 100 mm / (33 + 8) modules
    assert.deepEqual(codes(q), []);
    assert.ok(q.ok);
    assert.equal(q.maxDistanceCm, 80);
  });
  test('a 2.5 cm code on a thermal printer is too small for 50 cm, and says what size would do', () => {
    const q = checkQrPrint({ payload: URL31, sizeMm: 25, dpi: 203, distanceCm: 50 });
    assert.ok(codes(q).includes('warning:too_small_for_distance'));
    assert.match(q.findings.find((f) => f.code === 'too_small_for_distance')!.message, /66\.\d mm or more/);
    assert.ok(q.ok, 'a warning, not an error');
  });
  test('modules under 4 printer dots warn; under 2 are an error', () => {
    assert.ok(codes(checkQrPrint({ payload: URL31, sizeMm: 15, dpi: 203, distanceCm: 10 })).includes('warning:module_too_small'));
    const tiny = checkQrPrint({ payload: URL31, sizeMm: 8, dpi: 203, distanceCm: 5 });
    assert.ok(codes(tiny).includes('error:module_too_small'));
    assert.equal(tiny.ok, false);
  });
  test('a long payload makes a dense code; a very long one is refused', () => {
    const dense = checkQrPrint({ payload: `${URL31}?${'x'.repeat(60)}`, sizeMm: 100, dpi: 300, distanceCm: 40 });
    assert.ok(dense.version > 4);
    assert.ok(codes(dense).includes('warning:dense'));
    const refused = checkQrPrint({ payload: 'y'.repeat(400), sizeMm: 100, dpi: 300, distanceCm: 40 });
    assert.ok(codes(refused).includes('error:qr_too_dense'));
    assert.equal(checkQrPrint({ payload: 'z'.repeat(5000), sizeMm: 100, dpi: 300, distanceCm: 40 }).findings[0]!.code, 'qr_too_dense');
  });
  test('low error correction, a logo without H, and a thin quiet zone are named', () => {
    assert.ok(codes(checkQrPrint({ payload: URL31, sizeMm: 100, dpi: 300, distanceCm: 40, ecLevel: 'M' })).includes('warning:low_error_correction'));
    assert.equal(checkQrPrint({ payload: URL31, sizeMm: 100, dpi: 300, distanceCm: 40, logo: true }).ecLevel, 'H');
    assert.ok(codes(checkQrPrint({ payload: URL31, sizeMm: 100, dpi: 300, distanceCm: 40, logo: true, ecLevel: 'Q' })).includes('warning:logo_needs_h'));
    assert.ok(codes(checkQrPrint({ payload: URL31, sizeMm: 100, dpi: 300, distanceCm: 40, quietZone: 2 })).includes('error:quiet_zone'));
  });
  test('sizes are read in mm, cm or inches', () => {
    assert.equal(parseSize('10cm'), 100);
    assert.equal(parseSize('80 mm'), 80);
    assert.equal(parseSize('4in'), 101.6);
    assert.equal(parseSize('55'), 55);
    assert.throws(() => parseSize('big'), /10cm, 100mm or 4in/);
    assert.throws(() => parseSize('3m'), /10cm/);
  });
});

describe('stand artwork', () => {
  test('the SVG is the physical size asked, and a phone reads the stand URL from it', () => {
    const { svg, quality } = standSvg(art, { sizeMm: 80, dpi: 300, distanceCm: 40 });
    assert.ok(quality.ok);
    assert.match(svg, /^<svg[^>]* width="100\.00mm"/, '80 mm code + 2 × 10 mm margins');
    for (const w of ['夜市小吃 Night Market', '支付宝', '微信支付', '云闪付', 'QQ钱包', 'K3Q9V2M7XW4D', 'Scan to pay']) assert.ok(svg.includes(w), w);
    const img = new Resvg(svg, { background: 'white', fitTo: { mode: 'width', value: 600 }, font: { loadSystemFonts: false } }).render();
    const px = img.pixels;
    const dots = new Uint8Array(img.width * img.height);
    for (let i = 0; i < dots.length; i++) dots[i] = px[i * 4]! < 128 ? 1 : 0;
    assert.equal(readQr({ width: img.width, height: img.height, dots }), URL31);
  });
  test('a code that cannot be printed stops the export with the reason', () => {
    assert.throws(() => standSvg({ ...art, url: 'x'.repeat(400) }, { sizeMm: 100, dpi: 300, distanceCm: 40 }), (e: { code?: string; message?: string }) => e.code === 'qr_too_dense' && /k3q9v2m7xw4d/.test(e.message ?? ''));
  });
  test('a batch PDF has one page per stand, sized to it, with the CJK font and every module drawn', async () => {
    const arts = [art, { ...art, code: 'second000000', url: 'https://pay.example.com/s/second000000' }];
    let progress = 0;
    const { pdf, qualities } = await standsPdf(arts, { sizeMm: 100, dpi: 300, distanceCm: 50 }, (d) => { progress = d; });
    assert.equal(progress, 2);
    assert.equal(qualities.length, 2);
    const text = pdf.toString('latin1');
    assert.ok(text.startsWith('%PDF-'));
    assert.equal(text.match(/\/Type \/Page\b/g)?.length, 2);
    const mm = (pt: number) => Math.round((pt * 25.4) / 72);
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text)!;
    assert.equal(mm(Number(box[1])), 120, '100 mm code + margins');
    assert.match(text, /NotoSansCJK/);
    // The page content streams draw the QR as rectangles: one per horizontal run of dark modules.
    const m = QRCode.create(URL31, { errorCorrectionLevel: 'Q' }).modules;
    let runs = 0;
    for (let y = 0; y < m.size; y++) for (let x = 0; x < m.size; x++) if (m.get(y, x) && (x === 0 || !m.get(y, x - 1))) runs++;
    const streams = [...text.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map((s) => {
      try { return inflateSync(Buffer.from(s[1]!, 'latin1')).toString('latin1'); } catch { return ''; }
    }).filter((s) => / re\b/.test(s));
    assert.equal(streams.length, 2);
    assert.equal(streams[0]!.match(/ re\b/g)!.length, runs);
  });
});

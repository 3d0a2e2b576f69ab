/**
 * A fake camera for Chromium: a Y4M video (what --use-file-for-fake-video-capture plays, looped)
 * showing one code, drawn at test time. QR from the `qrcode` package's module matrix; Code128 from
 * the ZXing writer that ships with barcode-detector's own zxing-wasm (no image files in the repo).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import QRCode from 'qrcode';

const W = 640;
const H = 480;
const FRAMES = 5;

/** A black-on-white picture of `cols`×`rows` modules, `scale` pixels each, centred, with a white surround. */
function y4m(dark: (x: number, y: number) => boolean, cols: number, rows: number, scale: number): Buffer {
  const Y = Buffer.alloc(W * H, 235);
  const ox = Math.floor((W - cols * scale) / 2);
  const oy = Math.floor((H - rows * scale) / 2);
  if (ox < 0 || oy < 0) throw new Error(`a ${cols}×${rows} code at ${scale} px per module does not fit ${W}×${H}`);
  for (let y = 0; y < rows * scale; y++) {
    for (let x = 0; x < cols * scale; x++) if (dark(Math.floor(x / scale), Math.floor(y / scale))) Y[(oy + y) * W + ox + x] = 16;
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Y, Buffer.alloc((W * H) / 2, 128)]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: FRAMES }, () => frame)]);
}

/** A QR code of `text` with a 4-module quiet zone. */
export function qrVideo(text: string): Buffer {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const side = n + 2 * quiet;
  const scale = Math.floor(Math.min(W, H) * 0.8 / side);
  return y4m((x, y) => {
    const mx = x - quiet;
    const my = y - quiet;
    return mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(my, mx) === 1;
  }, side, side, scale);
}

/** What is used of zxing-wasm's writer (typed here: npm may nest the package where TypeScript does not look). */
interface Writer {
  prepareZXingModule(o: { overrides: { wasmBinary: ArrayBuffer }; fireImmediately: true }): Promise<unknown>;
  writeBarcode(text: string, o: { format: string; scale: number }): Promise<{ error: string; symbol: { data: Uint8Array | Uint8ClampedArray; width: number; height: number } }>;
}

/** A Code128 barcode of `text` (what a payment-code screen shows under the QR), 2 px per module. */
export async function code128Video(text: string): Promise<Buffer> {
  // The writer from barcode-detector's own zxing-wasm, wherever npm put it (nested or hoisted).
  const bd = dirname(createRequire(import.meta.url).resolve('barcode-detector'));
  const req = createRequire(join(bd, 'x.js'));
  const writer = await import(req.resolve('zxing-wasm/writer')) as Writer;
  const wasm = readFileSync(req.resolve('zxing-wasm/writer/zxing_writer.wasm'));
  await writer.prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer }, fireImmediately: true });
  const r = await writer.writeBarcode(text, { format: 'Code128', scale: 1 });
  if (r.error) throw new Error(`Code128 writer: ${r.error}`);
  const { data, width } = r.symbol;
  const quiet = 10;
  // A 1D code: one module row, stretched into bars 200 px tall.
  return y4m((x, y) => y >= 0 && x >= quiet && x < quiet + width && data[x - quiet] === 0, width + 2 * quiet, 100, 2);
}

/** Writes a video into a fresh temporary folder; `dispose()` removes it. */
export function videoFile(video: Buffer, name = 'camera.y4m'): { path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-cam-'));
  const path = join(dir, name);
  writeFileSync(path, video);
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Chromium flags that grant the camera without a prompt and make it play `path` (absolute). */
export function fakeCameraArgs(path: string): string[] {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${path}`];
}

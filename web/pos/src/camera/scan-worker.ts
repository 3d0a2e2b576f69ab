/**
 * Decodes camera frames off the main thread with barcode-detector's ZXing wasm (the ponyfill: the
 * native BarcodeDetector is missing on Linux/Windows Chromium and on WebViews without Play services).
 * The wasm comes from our own origin, never a CDN: the counter may be offline, and the glue only
 * works with the exact wasm build it was made with.
 */
import './has-own.ts';
import { BarcodeDetector, prepareZXingModule } from 'barcode-detector/ponyfill';
import wasmUrl from 'saoma:zxing-reader-wasm-url';
import { FORMATS, type DecodeReply, type DecodeRequest } from './protocol.ts';

prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) } });

const scope = self as unknown as { onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null; postMessage(m: DecodeReply): void };
let detector: BarcodeDetector | null = null;

scope.onmessage = (e) => {
  detector = detector || new BarcodeDetector({ formats: [...FORMATS] });
  detector.detect(e.data.image).then(
    (found) => scope.postMessage({ ok: true, codes: found.map((b) => ({ text: b.rawValue, format: b.format })) }),
    (err: unknown) => scope.postMessage({ ok: false, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
};

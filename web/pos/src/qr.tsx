import { useEffect, useRef } from 'preact/hooks';
import { toCanvas } from 'qrcode';

/** The dynamic QR drawn large on a canvas (qrcode, error correction M, a quiet zone of 4 modules). */
export function QrCode({ value, size }: { value: string; size: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) toCanvas(ref.current, value, { width: size, margin: 4, errorCorrectionLevel: 'M' }).catch(() => undefined);
  }, [value, size]);
  return <canvas ref={ref} class="qr" data-qr={value} width={size} height={size} />;
}

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { code128Widths } from './code128.ts';

/** Quiet zone each side, in modules: Code 128 asks for at least 10. */
const QUIET = 10;

/**
 * The payment code as a Code 128 barcode in SVG. Its width is a whole number of device pixels per module:
 * a barcode scaled by 1.8 draws bars one and two pixels wide for the same module, which scanners misread.
 */
export function Barcode({ value, height = 72 }: { value: string; height?: number }) {
  const widths = code128Widths(value);
  const total = widths.reduce((a, b) => a + b, 0) + 2 * QUIET;
  const box = useRef<HTMLDivElement>(null);
  const [cssWidth, setCssWidth] = useState(0);
  useLayoutEffect(() => {
    const fit = () => {
      const el = box.current;
      if (!el) return;
      const dpr = window.devicePixelRatio || 1;
      const perModule = Math.max(1, Math.floor((el.clientWidth * dpr) / total));
      setCssWidth((total * perModule) / dpr);
    };
    fit();
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  }, [total]);
  const bars: preact.JSX.Element[] = [];
  let x = QUIET;
  widths.forEach((w, i) => {
    if (i % 2 === 0) bars.push(<rect key={i} x={x} y={0} width={w} height={height} />);
    x += w;
  });
  return (
    <div class="barbox" ref={box}>
      <svg class="barcode" data-code={value} width={cssWidth || undefined} height={height} viewBox={`0 0 ${total} ${height}`} preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label={value}>
        <rect width={total} height={height} fill="#fff" />
        <g fill="#000">{bars}</g>
      </svg>
    </div>
  );
}

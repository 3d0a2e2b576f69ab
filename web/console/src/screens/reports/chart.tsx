import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A bar chart with uPlot (about 20 KB gzipped, canvas): categories along x, amounts in minor units
 * (drawn in yuan). The numbers it draws are the ones the table beside it shows,
 * from the same report object.
 */
export function BarChart(props: { id: string; label: string; categories: string[]; values: number[]; color?: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = props.categories.map((_, i) => i);
    const width = Math.max(280, el.clientWidth || 600);
    const color = props.color ?? '#1a7f5a';
    const plot = new uPlot({
      width, height: props.height ?? 220, legend: { show: false }, cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: false, range: [-0.6, Math.max(0, xs.length - 1) + 0.6] } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => (xs.length > 12 && t % 3 !== 0 ? '' : props.categories[t] ?? '')), splits: () => xs, gap: 4, size: 34 },
        { values: (_u, ticks) => ticks.map((t) => (t >= 1000 ? `${Math.round(t / 1000)}k` : String(t))), size: 50 },
      ],
      series: [{}, { label: props.label, stroke: color, fill: color, width: 0, paths: uPlot.paths.bars!({ size: [0.7, 60] }), points: { show: false } }],
    }, [xs, props.values.map((v) => v / 100)], el);
    return () => plot.destroy();
  }, [JSON.stringify(props.categories), JSON.stringify(props.values)]);
  return <figure class="chart" aria-label={props.label}><div ref={box} id={props.id} class="chart-box" /></figure>;
}

import { createHash } from 'node:crypto';
import { SaomaError } from '../core/errors.ts';

/**
 * A customer's signature as signature_pad records it (`toData()`): strokes of points with time and,
 * where the screen reports it, pressure. The vector data is the record; the image is drawn from it.
 */
export interface SignaturePoint { x: number; y: number; time?: number; pressure?: number }
export interface SignatureStroke { points: SignaturePoint[] }

const MAX_STROKES = 100;
const MAX_POINTS = 5_000;
const MAX_COORD = 4_000;

/** Check and normalise what the screen sent; only the fields that describe the ink are kept. */
export function parseStrokes(input: unknown): SignatureStroke[] {
  if (!Array.isArray(input) || input.length === 0) throw new SaomaError('invalid_request', 'The signature is empty: ask the customer to sign, then send it again.');
  if (input.length > MAX_STROKES) throw new SaomaError('invalid_request', `A signature has at most ${MAX_STROKES} strokes.`);
  let total = 0;
  const strokes = input.map((s, i) => {
    const points = (s as { points?: unknown })?.points;
    if (!Array.isArray(points) || points.length === 0) throw new SaomaError('invalid_request', `Stroke ${i + 1} of the signature has no points.`);
    total += points.length;
    return {
      points: points.map((p, j) => {
        const { x, y, time, pressure } = (p ?? {}) as Record<string, unknown>;
        const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_COORD;
        if (!ok(x) || !ok(y)) throw new SaomaError('invalid_request', `Point ${j + 1} of stroke ${i + 1} is not on the signing pad (x and y from 0 to ${MAX_COORD}).`);
        const out: SignaturePoint = { x: Math.round((x as number) * 10) / 10, y: Math.round((y as number) * 10) / 10 };
        if (typeof time === 'number' && Number.isFinite(time)) out.time = Math.round(time);
        if (typeof pressure === 'number' && Number.isFinite(pressure)) out.pressure = Math.round(pressure * 1000) / 1000;
        return out;
      }),
    };
  });
  if (total > MAX_POINTS) throw new SaomaError('invalid_request', `A signature has at most ${MAX_POINTS} points.`);
  const ink = strokes.reduce((n, s) => n + Math.max(0, s.points.length - 1), 0);
  if (ink < 3) throw new SaomaError('invalid_request', 'That is a dot, not a signature: ask the customer to sign their name.');
  return strokes;
}

/** JSON with sorted keys: the same value always hashes and signs to the same bytes. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function strokesSha256(strokes: SignatureStroke[]): string {
  return createHash('sha256').update(canonicalJson(strokes)).digest('hex');
}

/**
 * The signature drawn for paper: fitted into `width`×`height` dots with a margin, lines thick enough
 * to survive the printer's threshold (at least 3 dots).
 */
export function signatureSvg(strokes: SignatureStroke[], width = 384, height = 128): string {
  const xs = strokes.flatMap((s) => s.points.map((p) => p.x));
  const ys = strokes.flatMap((s) => s.points.map((p) => p.y));
  const minX = Math.min(...xs); const maxX = Math.max(...xs);
  const minY = Math.min(...ys); const maxY = Math.max(...ys);
  const pad = 8;
  const scale = Math.min((width - 2 * pad) / Math.max(1, maxX - minX), (height - 2 * pad) / Math.max(1, maxY - minY));
  const ox = (width - (maxX - minX) * scale) / 2;
  const oy = (height - (maxY - minY) * scale) / 2;
  const path = strokes.map((s) => s.points.map((p, i) => `${i ? 'L' : 'M'}${((p.x - minX) * scale + ox).toFixed(1)} ${((p.y - minY) * scale + oy).toFixed(1)}`).join('')).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/><path d="${path}" fill="none" stroke="#000" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
}

/** The signature as a PNG (base64) for receiptline's {image:…}. */
export async function signaturePng(strokes: SignatureStroke[], width = 384, height = 128): Promise<string> {
  const { Resvg } = await import('@resvg/resvg-js');
  return Buffer.from(new Resvg(signatureSvg(strokes, width, height), { background: 'white' }).render().asPng()).toString('base64');
}

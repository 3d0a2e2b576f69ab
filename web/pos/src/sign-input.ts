/** What the signing screen sends, checked before it goes: the ink of the signature and the gift lines. No DOM here (unit-tested). */

export interface GiftLine { name: string; quantity: string }
export interface Stroke { points: Array<{ x: number; y: number; time?: number; pressure?: number }> }

/** The strokes to send: only the ink (points), on the pad (no negative coordinates from a pen dragged off its edge). */
export function inkOf(groups: ReadonlyArray<{ points: ReadonlyArray<{ x: number; y: number; time?: number; pressure?: number }> }>): Stroke[] {
  const on = (v: number) => Math.round(Math.min(4000, Math.max(0, v)) * 10) / 10;
  return groups.map((g) => ({ points: g.points.map((p) => ({ x: on(p.x), y: on(p.y), ...(typeof p.time === 'number' ? { time: Math.round(p.time) } : {}), ...(typeof p.pressure === 'number' ? { pressure: p.pressure } : {}) })) }));
}

/** Less than three segments of ink is a tap or a dot, not a signature (the server says the same). */
export function tooLittleInk(strokes: readonly Stroke[]): boolean {
  return strokes.reduce((n, s) => n + Math.max(0, s.points.length - 1), 0) < 3;
}

/** Gift lines as typed: blank lines dropped; the 1-based number of the first bad one, or the list. */
export function parseGifts(lines: readonly GiftLine[]): { bad: number } | { gifts: Array<{ name: string; quantity: number }> } {
  const gifts: Array<{ name: string; quantity: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const name = lines[i]!.name.trim();
    const q = lines[i]!.quantity.trim();
    if (!name && (!q || q === '1')) continue;
    const quantity = /^[0-9]{1,3}$/.test(q) ? Number(q) : NaN;
    if (!name || name.length > 64 || !(quantity >= 1 && quantity <= 999)) return { bad: i + 1 };
    gifts.push({ name, quantity });
  }
  return { gifts };
}


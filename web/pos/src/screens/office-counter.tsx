import { useLayoutEffect, useState } from 'preact/hooks';
import { DENOMINATIONS, countTotal, parseCash, parsePieces, step, type Counts } from '../cash-count.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import type { T } from '../t.ts';

/** A note or coin as printed on it: ¥100, ¥0.5 (fen are whole numbers, so this is exact). */
function faceValue(fen: number): string {
  return fen >= 100 ? `¥${fen / 100}` : `¥0.${fen / 10}`;
}

/** The drawer's count as the form knows it: a total in fen, or why there is none yet. */
export type CashCount = { ok: true; minor: number } | { ok: false; message: string };

/**
 * Counting cash: pieces per note and coin (tap + / −, or type a count) add up to an exact total, or
 * the cashier types the total. Reports every change through `onChange`.
 */
export function CashCounter({ t, lang, id, onChange }: { t: T; lang: Lang; id: string; onChange(c: CashCount): void }) {
  const [mode, setMode] = useState<'pieces' | 'total'>('pieces');
  const [counts, setCounts] = useState<Counts>({});
  const [texts, setTexts] = useState<Record<number, string>>({});
  const [typed, setTyped] = useState('');

  const bad = DENOMINATIONS.some((d) => texts[d] !== undefined && parsePieces(texts[d]!) === null);
  const typedResult = parseCash(typed);
  const result: CashCount = mode === 'pieces'
    ? (bad ? { ok: false, message: t('piecesInvalid') } : { ok: true, minor: countTotal(counts) })
    : (typedResult.ok ? typedResult : { ok: false, message: t(typedResult.reason) });

  // Before paint, so the form's button never shows a stale total.
  useLayoutEffect(() => { onChange(result); }, [mode, counts, bad, typed]);

  const setPieces = (d: number, text: string) => {
    setTexts({ ...texts, [d]: text });
    const n = parsePieces(text);
    if (n !== null) setCounts({ ...counts, [d]: n });
  };
  const bump = (d: number, by: number) => {
    const next = step(counts, d, by);
    setCounts(next);
    setTexts({ ...texts, [d]: String(next[d] ?? 0) });
  };

  return (
    <div class="counter" id={id}>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" class={mode === 'pieces' ? 'on' : ''} aria-selected={mode === 'pieces'} data-mode="pieces" onClick={() => setMode('pieces')}>{t('countByPieces')}</button>
        <button type="button" role="tab" class={mode === 'total' ? 'on' : ''} aria-selected={mode === 'total'} data-mode="total" onClick={() => setMode('total')}>{t('countByTotal')}</button>
      </div>
      {mode === 'pieces' ? (
        <div class="denoms">
          {DENOMINATIONS.map((d) => {
            const label = faceValue(d);
            return (
              <div class="denom" key={d}>
                <span class="face">{label}</span>
                <button type="button" class="step" aria-label="−" onClick={() => bump(d, -1)}>−</button>
                <input name={`d${d}`} data-denom={d} inputMode="numeric" autoComplete="off" aria-label={t('countPieces', { d: label })}
                  value={texts[d] ?? ''} placeholder="0" onInput={(e) => setPieces(d, (e.target as HTMLInputElement).value)} />
                <button type="button" class="step" aria-label="+" onClick={() => bump(d, 1)}>+</button>
              </div>
            );
          })}
        </div>
      ) : (
        <label>{t('countSum')}
          <input name="total" inputMode="decimal" autoComplete="off" placeholder="0.00" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <div class="count-total">
        <span>{t('countSum')}</span>
        <strong data-minor={result.ok ? result.minor : ''}>{result.ok ? formatAmount(lang, result.minor) : '—'}</strong>
      </div>
      {!result.ok && (mode === 'pieces' || typed) ? <p class="error" role="alert">{result.message}</p> : null}
    </div>
  );
}

import { useState } from 'preact/hooks';
import { parseAmount } from '../amount.ts';
import { addItem, cartTotal, parseQuickItems, stepItem, type QuickItem } from '../cart.ts';
import { formatAmount, type Lang } from '../i18n.ts';
import { K_ITEMS, load, save } from '../local.ts';
import type { SaleItem } from '../tender-rules.ts';
import type { T } from '../t.ts';

/**
 * The optional item list: quick item buttons the cashier sets up on this terminal, and the sale's
 * lines with their quantities. When there are lines, their total is the sale's amount.
 */
export function Items({ t, lang, cart, onCart }: { t: T; lang: Lang; cart: SaleItem[]; onCart(c: SaleItem[]): void }) {
  const [quick, setQuick] = useState<QuickItem[]>(() => parseQuickItems(load(K_ITEMS)));
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const keep = (q: QuickItem[]) => { setQuick(q); save(K_ITEMS, JSON.stringify(q)); };
  const addQuick = (e: Event) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) { setMsg(t('itemNameRequired')); return; }
    const p = parseAmount(price);
    if (!p.ok) { setMsg(t(p.reason)); return; }
    keep([...quick.filter((q) => q.name !== n), { name: n.slice(0, 64), unitPrice: p.minor }]);
    setName(''); setPrice(''); setMsg(null);
  };
  return (
    <div class="item-panel">
      <div class="items-head">
        <strong>{t('itemsTitle')}</strong>
        <span class="grow" />
        {cart.length ? <button type="button" class="small" id="clear-items" onClick={() => onCart([])}>{t('clearItems')}</button> : null}
        <button type="button" class="small" id="edit-items" onClick={() => setEditing(!editing)}>{editing ? t('doneEditing') : t('editItems')}</button>
      </div>
      {editing ? (
        <form class="item-edit" onSubmit={addQuick}>
          <input name="item-name" placeholder={t('itemName')} aria-label={t('itemName')} value={name} maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <input name="item-price" placeholder={t('itemPrice')} aria-label={t('itemPrice')} inputMode="decimal" value={price} onInput={(e) => setPrice((e.target as HTMLInputElement).value)} />
          <button type="submit" class="small" id="add-quick">{t('addItem')}</button>
          {msg ? <p class="error" role="alert">{msg}</p> : null}
        </form>
      ) : null}
      <div class="quick">
        {quick.length === 0 && !editing ? <p class="muted">{t('noQuickItems')}</p> : null}
        {quick.map((q) => (
          <span class="quick-item" key={q.name}>
            <button type="button" data-item={q.name} onClick={() => onCart(addItem(cart, q))}>{q.name}<small>{formatAmount(lang, q.unitPrice)}</small></button>
            {editing ? <button type="button" class="small" aria-label={`${t('deleteItem')} ${q.name}`} onClick={() => keep(quick.filter((x) => x !== q))}>✕</button> : null}
          </span>
        ))}
      </div>
      {cart.length ? (
        <ul class="cart" id="cart">
          {cart.map((c, i) => (
            <li key={c.name}>
              <span class="grow">{c.name}</span>
              <button type="button" class="small" aria-label="−" onClick={() => onCart(stepItem(cart, i, -1))}>−</button>
              <span class="qty">{c.quantity}</span>
              <button type="button" class="small" aria-label="+" onClick={() => onCart(stepItem(cart, i, 1))}>+</button>
              <span class="money">{formatAmount(lang, c.quantity * c.unitPrice)}</span>
            </li>
          ))}
          <li class="total"><span class="grow">{t('itemsTotal')}</span><span class="money" id="items-total">{formatAmount(lang, cartTotal(cart))}</span></li>
        </ul>
      ) : null}
    </div>
  );
}

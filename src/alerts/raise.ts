import { sql } from 'kysely';
import type { Tx } from '../store/db.ts';
import { nowIso } from '../store/db.ts';
import { newId } from '../store/ids.ts';

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertInput {
  /** The merchant who must see it; null for the platform's operators. */
  merchantId: string | null;
  /** What went wrong, a stable name such as `payment.reverse_stuck`, `terminal.offline`, `sms.failing`. */
  kind: string;
  severity: AlertSeverity;
  /** The one thing it is about (`payment:pay_…`, `terminal:term_…`): raising it again while open counts an occurrence. */
  dedupeKey: string;
  /** The id of what it is about, for a link. */
  subject?: string | null | undefined;
  /** Facts a person needs to act (amounts, codes, times); shown as they are. */
  detail?: Record<string, unknown> | undefined;
  at?: string | undefined;
}

// The conflict target repeats the partial index's predicate as literal text: SQLite matches the two by
// their text, so a bound parameter there would not find the index.
/**
 * Raise an alert inside the transaction that found the problem. While an alert for the same thing is
 * open (not resolved), raising it again only counts an occurrence and keeps the highest severity, so a
 * monitor that runs every minute does not bury the owner in copies.
 */
export async function raiseAlert(tx: Tx, a: AlertInput): Promise<void> {
  const at = a.at ?? nowIso();
  await tx.insertInto('alerts').values({
    id: newId('alr'), merchant_id: a.merchantId, kind: a.kind, severity: a.severity, dedupe_key: a.dedupeKey,
    subject: a.subject ?? null, detail: a.detail ? JSON.stringify(a.detail) : null, state: 'open', occurrences: 1,
    created_at: at, updated_at: at, acked_by: null, acked_at: null, resolved_at: null,
  }).onConflict((oc) => oc.column('dedupe_key').where(sql<boolean>`state != 'resolved'`).doUpdateSet((eb) => ({
    occurrences: eb('alerts.occurrences', '+', 1),
    updated_at: at,
    severity: eb.case().when('alerts.severity', '=', 'critical').then('critical')
      .when(eb.val(a.severity), '=', 'critical').then('critical')
      .when('alerts.severity', '=', 'warning').then('warning')
      .else(eb.val(a.severity)).end(),
    ...(a.detail ? { detail: JSON.stringify(a.detail) } : {}),
  }))).execute();
}

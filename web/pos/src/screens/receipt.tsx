import type { Client } from '../api.ts';
import type { Lang } from '../i18n.ts';
import type { T } from '../t.ts';

/** One sale's receipt on screen, as the customer's copy says it; printable (reprint). */
export function Receipt(_: { t: T; lang: Lang; client: Client; saleId: string; onBack(): void }) {
  return <p class="muted">…</p>;
}

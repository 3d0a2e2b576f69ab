import { Agent, request } from 'undici';

/**
 * The HTTP client for calls to wallets and merchants: keep-alive connections, a hard deadline, and
 * the raw response text (signatures are checked over exact bytes). undici's request() costs a fraction
 * of fetch() per call, which matters at thousands of payments a second.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A merchant API certificate for mutual TLS (WeChat /secapi/*, QQ reverse and refund). PEM text. */
export interface ClientCertificate {
  cert: string;
  key: string;
}

// One pool per certificate (and trusted CA), so every call with the same ones reuses its TLS sessions.
const tlsAgents = new Map<string, Agent>();
function agentFor(cert: ClientCertificate | undefined, serverCa: string | undefined): Agent {
  if (!cert && !serverCa) return agent;
  const id = `${cert?.cert ?? ''}\n${cert?.key ?? ''}\n${serverCa ?? ''}`;
  let a = tlsAgents.get(id);
  if (!a) {
    a = new Agent({ keepAliveTimeout: 30_000, connections: 32, connect: { ...(cert ? { cert: cert.cert, key: cert.key } : {}), ...(serverCa ? { ca: serverCa } : {}) } });
    tlsAgents.set(id, a);
  }
  return a;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  clientCertificate?: ClientCertificate;
  /** Trust only this CA for the server's certificate (a private gateway, e.g. an emulator over HTTPS). */
  serverCa?: string;
}

export async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, opts: RequestOptions = {}): Promise<HttpReply> {
  const method = opts.method ?? 'POST';
  const res = await request(url, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
    dispatcher: agentFor(opts.clientCertificate, opts.serverCa),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export function headerValue(h: HttpReply['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

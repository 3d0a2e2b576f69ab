// Plain JavaScript on purpose: merchants copy or import this into their own Node server, no build needed.
// Types are in verify.d.ts beside it.
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifying Saoma webhooks in your own server. Every delivery carries
 *   Saoma-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * Check it over the raw body bytes (before any JSON parsing), and refuse old timestamps so a captured
 * delivery cannot be replayed later. Deliveries are at-least-once: deduplicate by the event `id`.
 *
 *   import { verifyWebhook } from 'saoma/webhooks';
 *   const event = verifyWebhook(rawBody, req.headers['saoma-signature'], process.env.SAOMA_WEBHOOK_SECRET);
 */
export const WEBHOOK_SIGNATURE_HEADER = 'saoma-signature';

export function signWebhook(secret, body, timestamp) {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export class WebhookVerificationError extends Error {}

export function verifyWebhook(rawBody, header, secret, opts = {}) {
  if (typeof header !== 'string') throw new WebhookVerificationError('missing Saoma-Signature header');
  const parts = new Map();
  for (const item of header.split(',')) {
    const i = item.indexOf('=');
    if (i <= 0) continue;
    const k = item.slice(0, i).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(i + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t)) throw new WebhookVerificationError('signature header has no timestamp');
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) throw new WebhookVerificationError('signature timestamp is outside the tolerance window');
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const ok = (parts.get('v1') ?? []).some((sig) => {
    const b = Buffer.from(sig);
    return b.length === expected.length && timingSafeEqual(b, expected);
  });
  if (!ok) throw new WebhookVerificationError('signature does not match');
  return JSON.parse(body);
}

import { SaomaError } from '../core/errors.ts';
import type { Principal } from '../core/roles.ts';
import type { FastifyRequest } from 'fastify';
import { principal } from './app.ts';
import { actingMerchant } from './auth.ts';
import { merchantHeader } from './headers.ts';

/** The merchant a request acts for: the caller's own, or (platform key) the one in Saoma-Merchant. */
export function requestMerchant(req: FastifyRequest): string {
  return actingMerchant(principal(req), merchantHeader(req));
}

/** The terminal and store a counter caller (terminal, or an operator on it) is bound to; null for API keys. */
export function counterOf(p: Principal): { terminalId: string; storeId: string } | null {
  return p.kind === 'terminal' || p.kind === 'operator' ? { terminalId: p.terminalId, storeId: p.storeId } : null;
}

/**
 * Whose counter records (sales, shifts) a caller may read: a terminal, or an operator on it, only its
 * own; a merchant or platform key the merchant's, optionally one terminal's. Any other kind of caller
 * is refused, so a new kind of principal sees nothing until it is given a rule here.
 */
export function counterScope(p: Principal, terminalId: string | undefined, named: string | undefined): { merchantId: string; terminalId: string | undefined } {
  if (p.kind === 'terminal' || p.kind === 'operator') {
    if (terminalId && terminalId !== p.terminalId) throw new SaomaError('forbidden', 'A terminal sees only its own records; drop terminalId.');
    return { merchantId: p.merchantId, terminalId: p.terminalId };
  }
  if (p.kind === 'merchant' || p.kind === 'platform') return { merchantId: actingMerchant(p, named), terminalId };
  throw new SaomaError('forbidden', 'Counter records are read by a terminal, an operator or a merchant API key.');
}

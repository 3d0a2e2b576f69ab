import type { FastifyRequest } from 'fastify';
import { SaomaError } from '../core/errors.ts';

/** A request header's value when it was sent once (a repeated header is not a value). */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** The Idempotency-Key a client sent, checked: 1–255 visible ASCII characters. */
export function idempotencyKey(req: FastifyRequest): string | undefined {
  const v = req.headers['idempotency-key'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length < 1 || v.length > 255 || !/^[\x21-\x7e]+$/.test(v)) {
    throw new SaomaError('invalid_request', 'Idempotency-Key must be 1–255 visible ASCII characters; a UUID is ideal.');
  }
  return v;
}

/** The merchant a platform key acts for (Saoma-Merchant). */
export function merchantHeader(req: FastifyRequest): string | undefined {
  return header(req, 'saoma-merchant');
}

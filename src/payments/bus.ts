import { EventEmitter } from 'node:events';
import type { Payment } from '../core/domain.ts';

/**
 * Committed payment changes, for live views (SSE). Emitted only after the transaction commits, so a
 * listener never sees a state that could still roll back.
 */
export class PaymentBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publish(p: Payment): void {
    this.emitter.emit(p.id, p);
    this.emitter.emit('*', p);
  }
  /** Whether anyone here is listening for this payment (so a remote change is worth loading). */
  watched(paymentId: string): boolean {
    return this.emitter.listenerCount(paymentId) > 0;
  }
  subscribe(paymentId: string, fn: (p: Payment) => void): () => void {
    this.emitter.on(paymentId, fn);
    return () => this.emitter.off(paymentId, fn);
  }
}

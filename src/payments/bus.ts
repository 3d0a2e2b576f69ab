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
    if (p.terminalId) this.emitter.emit(terminalTopic(p.terminalId), p);
  }
  /** Whether anyone here is listening for this payment or its terminal (so a remote change is worth loading). */
  watched(paymentId: string, terminalId?: string | null): boolean {
    return this.emitter.listenerCount(paymentId) > 0 || (!!terminalId && this.emitter.listenerCount(terminalTopic(terminalId)) > 0);
  }
  /** Every change to any payment on one terminal, including ones it did not start (one-code stand). */
  subscribeTerminal(terminalId: string, fn: (p: Payment) => void): () => void {
    return this.subscribe(terminalTopic(terminalId), fn);
  }
  subscribe(paymentId: string, fn: (p: Payment) => void): () => void {
    this.emitter.on(paymentId, fn);
    return () => this.emitter.off(paymentId, fn);
  }
}

// Payment ids are `pay_…`, so this topic cannot collide with one.
const terminalTopic = (terminalId: string) => `terminal:${terminalId}`;

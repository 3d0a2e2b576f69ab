import { EventEmitter } from 'node:events';
import type { Payment } from '../core/domain.ts';

/** What a terminal last asked its customer display to show (opaque here; validated by the display routes). */
export type DisplayPush = { readonly view: string } & Record<string, unknown>;

/** Terminals whose last display state is kept; beyond this the oldest are forgotten (a display then shows idle). */
const MAX_DISPLAY_STATES = 10_000;

/**
 * Committed payment changes, for live views (SSE). Emitted only after the transaction commits, so a
 * listener never sees a state that could still roll back. Also carries what each terminal pushes to its
 * customer display, and remembers the last push so a display that connects (or reconnects) catches up.
 */
export class PaymentBus {
  private readonly emitter = new EventEmitter();
  private readonly displays = new Map<string, { state: DisplayPush; at: number }>();
  /** Set by the PostgreSQL relay: a local display push is sent on to the other instances (resolves once sent). */
  forwardDisplay: ((terminalId: string, state: DisplayPush, at: number) => Promise<void>) | null = null;
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  /**
   * A display push: remembered, sent to this terminal's displays here, and (unless it came from there)
   * to other instances. `at` orders pushes for one terminal: with instances behind a load balancer, the
   * POS's next push may reach another instance before the NOTIFY of its last one does, and a late
   * older push must not overwrite the newer screen.
   */
  publishDisplay(terminalId: string, state: DisplayPush, remote?: { at: number }): Promise<void> {
    const last = this.displays.get(terminalId);
    const at = remote ? remote.at : Math.max(Date.now(), last ? last.at + 1 : 0);
    if (last && at <= last.at) return Promise.resolve();
    this.displays.delete(terminalId);
    this.displays.set(terminalId, { state, at });
    if (this.displays.size > MAX_DISPLAY_STATES) this.displays.delete(this.displays.keys().next().value!);
    this.emitter.emit(displayTopic(terminalId), state);
    return !remote && this.forwardDisplay ? this.forwardDisplay(terminalId, state, at) : Promise.resolve();
  }
  lastDisplay(terminalId: string): DisplayPush | null {
    return this.displays.get(terminalId)?.state ?? null;
  }
  subscribeDisplay(terminalId: string, fn: (state: DisplayPush) => void): () => void {
    const topic = displayTopic(terminalId);
    this.emitter.on(topic, fn);
    return () => this.emitter.off(topic, fn);
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

// Payment ids are `pay_…`, so these topics cannot collide with one.
const terminalTopic = (terminalId: string) => `terminal:${terminalId}`;
const displayTopic = (terminalId: string) => `display:${terminalId}`;

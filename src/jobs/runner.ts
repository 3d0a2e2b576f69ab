import type { JobRow } from '../store/schema.ts';
import type { JobQueue } from './queue.ts';

/** What a run of a job came to. A thrown error is a retry with back-off. */
export type JobOutcome =
  | { done: unknown }
  /** Not yet possible (the wallet's bill is not ready): try again at `at`. */
  | { retryAt: Date; reason: string }
  /** Will never work as asked: stays failed for a person to see. */
  | { failed: string };

export interface JobHandler {
  kind: string;
  /** How long a claim lasts before another instance may take the job over (renewed while it runs). */
  leaseMs?: number;
  run(job: JobRow, payload: unknown): Promise<JobOutcome>;
}

/** Puts the jobs that should exist into the queue (tomorrow's reconciliation, tonight's settlement …). */
export interface JobPlanner {
  name: string;
  plan(now: Date): Promise<void>;
}

const DEFAULT_LEASE_MS = 60_000;
/** 5 s, 10 s, 20 s … capped at 15 min: a failing job keeps being tried without hammering anything. */
export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 15 * 60_000);
}

/**
 * Runs the background jobs of every area: plans what should exist, claims what is due, runs it with a
 * lease it keeps renewing, and records the outcome. One loop per instance; the queue's claim makes sure
 * two instances never run the same job at once.
 */
export class JobRunner {
  private readonly queue: JobQueue;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly planners: JobPlanner[] = [];
  private readonly log: (msg: string, err?: unknown) => void;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(queue: JobQueue, opts: { intervalMs?: number; log?: (msg: string, err?: unknown) => void } = {}) {
    this.queue = queue;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.log = opts.log ?? (() => undefined);
  }

  register(handler: JobHandler): void {
    if (this.handlers.has(handler.kind)) throw new Error(`job kind ${handler.kind} is registered twice`);
    this.handlers.set(handler.kind, handler);
  }

  addPlanner(planner: JobPlanner): void {
    this.planners.push(planner);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(() => undefined, (e) => this.log("job pass failed", e)).finally(() => {
        this.running = null;
        this.schedule(this.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  /** One pass: plan, then run what is due. Public so tests and the CLI can drive it step by step. */
  async tick(now = new Date()): Promise<number> {
    for (const p of this.planners) {
      try {
        await p.plan(now);
      } catch (e) {
        this.log(`job planner ${p.name} failed`, e);
      }
    }
    let ran = 0;
    for (const handler of this.handlers.values()) {
      const lease = handler.leaseMs ?? DEFAULT_LEASE_MS;
      const jobs = await this.queue.claim([handler.kind], 10, lease).catch((e) => {
        this.log(`claiming ${handler.kind} jobs failed`, e);
        return [];
      });
      for (const job of jobs) {
        ran++;
        await this.runOne(handler, job, lease);
      }
    }
    return ran;
  }

  private async runOne(handler: JobHandler, job: JobRow, leaseMs: number): Promise<void> {
    const keep = setInterval(() => void this.queue.renew(job, leaseMs).catch(() => undefined), Math.max(1000, leaseMs / 3));
    keep.unref();
    try {
      const out = await handler.run(job, job.payload === null ? undefined : JSON.parse(job.payload));
      if ('done' in out) await this.queue.settle(job, { state: 'done', result: out.done });
      else if ('retryAt' in out) await this.queue.settle(job, { state: 'due', runAt: out.retryAt, error: out.reason });
      else await this.queue.settle(job, { state: 'failed', error: out.failed });
    } catch (e) {
      this.log(`job ${job.kind} ${job.key} failed (attempt ${job.attempts})`, e);
      await this.queue.settle(job, { state: 'due', runAt: new Date(Date.now() + backoffMs(job.attempts)), error: (e as Error).message ?? String(e) })
        .catch((err) => this.log(`recording job ${job.id} failed`, err));
    } finally {
      clearInterval(keep);
    }
  }
}

// A work queue with client-go's semantics (ts-operators.md §3.2) on top of p-queue, which only bounds concurrency:
//  - a key waiting in the queue is not queued twice;
//  - a key added while it is being processed is run once more after the current run, never by two workers at once;
//  - a failed run is retried after baseDelayMs × 2^failures (capped at maxDelayMs); a success resets the count;
//  - shutdown() stops taking work and lets the runs in flight finish.
import PQueue from 'p-queue';

/** What a handler may return: nothing (done), or a request to look at the key again later. */
export interface HandlerResult {
  requeueAfterMs?: number;
}

/** Throw this from a handler for a failure that retrying cannot fix (it is reported, not retried). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** How a run ended, for metrics. */
export type RunOutcome = 'success' | 'requeue_after' | 'error' | 'terminal';

/** Metrics hooks; OperatorMetrics.workQueueHooks() provides them. */
export interface WorkQueueHooks {
  /** Number of keys waiting (not processing, not waiting for a delay). */
  depth?(depth: number): void;
  /** A key was accepted into the queue (not counted when de-duplicated). */
  added?(key: string): void;
  /** A run failed and the key will be retried after delayMs. */
  retried?(key: string, delayMs: number, err: unknown): void;
  processed?(key: string, seconds: number, outcome: RunOutcome): void;
}

export interface WorkQueueOptions {
  handler: (key: string) => Promise<void | HandlerResult>;
  /** At most this many keys are processed at once. Default 1, as controller-runtime's MaxConcurrentReconciles. */
  concurrency?: number;
  /** First retry delay after a failure. Default 5 ms (client-go). */
  baseDelayMs?: number;
  /** Longest retry delay. Default 5 minutes. */
  maxDelayMs?: number;
  hooks?: WorkQueueHooks;
  /** Told about every failed run (e.g. to log it); `retryInMs` is undefined for a terminal error. */
  onError?(key: string, err: unknown, retryInMs: number | undefined): void;
}

interface DelayedAdd {
  at: number;
  timer: NodeJS.Timeout;
}

export class WorkQueue {
  private readonly pq: PQueue;
  private readonly handler: WorkQueueOptions['handler'];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly hooks: WorkQueueHooks;
  private readonly onError: WorkQueueOptions['onError'];

  /** Keys waiting for a worker. */
  private readonly queued = new Set<string>();
  /** Keys a worker is running now. */
  private readonly processing = new Set<string>();
  /** Keys added while processing: run again once the current run ends. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, DelayedAdd>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error(`concurrency must be ≥ 1, not ${concurrency}`);
    this.pq = new PQueue({ concurrency });
    this.handler = opts.handler;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 5 * 60_000;
    if (!(this.baseDelayMs > 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new Error('baseDelayMs must be positive and maxDelayMs at least baseDelayMs');
    }
    this.hooks = opts.hooks ?? {};
    this.onError = opts.onError;
  }

  /** Queues a key unless it is already waiting; a key being processed is run again after the current run. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.hooks.added?.(key);
    this.reportDepth();
    this.pq
      .add(() => this.run(key))
      .catch(() => {
        // Only shutdown() clears p-queue, which rejects the dropped tasks with an AbortError: nothing to do.
      });
  }

  /**
   * Queues a key after `ms`. One timer per key: an earlier request wins over a later one. A run of the key that starts
   * before the timer fires cancels it, since that run sees the current state anyway (the handler can ask again).
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Queues a key after its backoff delay, counting one more failure. Returns the delay. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    // 2^failures overflows to Infinity long after the cap is reached, so Math.min stays correct.
    const delay = Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
    this.failures.set(key, failures + 1);
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets a key's failures, so its next retry starts at baseDelayMs again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failed runs of a key since its last success. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting for a worker. */
  get depth(): number {
    return this.queued.size;
  }

  /** Keys being processed now. */
  get active(): number {
    return this.processing.size;
  }

  /** Keys waiting for a delay (a backoff or addAfter) to run out. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves when no key is waiting or being processed. Keys waiting for a delay do not count. */
  onIdle(): Promise<void> {
    return this.pq.onIdle();
  }

  /**
   * Stops taking work: drops waiting and delayed keys, refuses new ones, and resolves once the runs in flight have
   * finished (their re-runs and retries are dropped too).
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.pq.clear();
    this.queued.clear();
    this.dirty.clear();
    this.reportDepth();
    await this.pq.onIdle();
  }

  private async run(key: string): Promise<void> {
    this.queued.delete(key);
    this.reportDepth();
    if (this.shuttingDown) return;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      this.delayed.delete(key);
    }
    this.processing.add(key);
    const started = performance.now();
    let outcome: RunOutcome;
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      const after = result?.requeueAfterMs;
      if (after !== undefined && after > 0) {
        outcome = 'requeue_after';
        this.addAfter(key, after);
      } else {
        outcome = 'success';
      }
    } catch (err) {
      if (err instanceof TerminalError) {
        outcome = 'terminal';
        this.failures.delete(key);
        this.onError?.(key, err, undefined);
      } else {
        outcome = 'error';
        const delay = this.shuttingDown ? undefined : this.addRateLimited(key);
        if (delay !== undefined) this.hooks.retried?.(key, delay, err);
        this.onError?.(key, err, delay);
      }
    } finally {
      this.processing.delete(key);
    }
    this.hooks.processed?.(key, (performance.now() - started) / 1000, outcome);
    // Re-added while running: queue it now, inside this task, so p-queue never looks idle in between.
    if (this.dirty.delete(key)) this.add(key);
  }

  private reportDepth(): void {
    this.hooks.depth?.(this.queued.size);
  }
}

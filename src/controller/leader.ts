// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection (ts-operators.md §1.8, §3.6):
//  - a candidate takes the Lease when it is free, or when its record has not changed for leaseDurationSeconds as
//    observed on this candidate's own clock (so clock skew between replicas does not matter);
//  - the leader renews every retryPeriod and stops leading when a renewal round found no success for renewDeadline;
//  - every write carries the resourceVersion it read, so of two replicas racing for the Lease one gets 409 Conflict:
//    two never both lead;
//  - release() clears holderIdentity, so a standby takes over at its next retry instead of waiting out the lease.
// acquireTime/renewTime are MicroTime: the API server rejects the 3-digit form `Date#toISOString()` gives.
import type { KubeConnection } from './kube-config.js';
import { RESOURCES, apiVersionOf, resourcePath } from '../api/resources.js';
import { KubeApiError, KubeHttp, type KubeStatus } from './kube-http.js';
import { silentLogger, type Logger } from './log.js';
import type { OperatorMetrics } from './metrics.js';
import { WakeTimer } from './wake-timer.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: string;
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [key: string]: unknown };
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  kc: KubeConnection;
  namespace: string;
  name: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** How long a standby waits, after last seeing the record change, before taking over. Default 15 s. */
  leaseDurationSeconds?: number;
  /** The leader gives up when it has not renewed for this long; must be shorter than the lease. Default 10 s. */
  renewDeadlineSeconds?: number;
  /** Time between attempts to acquire or renew. Default 2 s. */
  retryPeriodSeconds?: number;
  logger?: Logger;
  metrics?: OperatorMetrics;
  onStartedLeading?(): void;
  /** This replica no longer leads: renewals failed past the deadline, another replica took over, or release(). */
  onStoppedLeading?(): void;
  /** The Lease's holder changed (also called with this replica's identity). */
  onNewLeader?(identity: string): void;
}

/** Now as a MicroTime: `2026-11-27T03:00:00.123456Z`, six fractional digits. */
export function nowMicroTime(): string {
  const wall = Date.now();
  // performance.now() has sub-millisecond resolution; its origin can drift from the wall clock over days, so use it
  // only while it agrees with Date.now() to the millisecond, and otherwise keep only its sub-millisecond part.
  const precise = performance.timeOrigin + performance.now();
  const ms = Math.abs(precise - wall) < 1 ? precise : wall + (precise % 1);
  return formatMicroTime(Math.floor(ms * 1000));
}

/** Formats microseconds since the epoch as a MicroTime. */
export function formatMicroTime(epochMicros: number): string {
  const seconds = Math.floor(epochMicros / 1_000_000);
  const micros = epochMicros - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

export class LeaderElector {
  private readonly http: KubeHttp;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly leasePath: string;

  private leading = false;
  private stopped = true;
  private running: Promise<void> | undefined;
  private readonly timer = new WakeTimer();
  /** The Lease as last read or written. */
  private observed: Lease | undefined;
  /** When (on this clock) the Lease's record last changed. */
  private observedAt = 0;
  private lastHolder: string | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.http = new KubeHttp(opts.kc);
    this.log = (opts.logger ?? silentLogger()).child({
      lease: { kind: 'Lease', name: opts.name, namespace: opts.namespace },
      identity: opts.identity,
    });
    this.leaseDurationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryPeriodMs = (opts.retryPeriodSeconds ?? 2) * 1000;
    if (!Number.isInteger(opts.leaseDurationSeconds ?? 15)) throw new Error('leaseDurationSeconds must be an integer');
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new Error('the lease must last longer than the renew deadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs)
      throw new Error('the renew deadline must be longer than the retry period');
    if (opts.identity === '') throw new Error('identity must not be empty');
    this.leasePath = resourcePath(apiVersionOf(RESOURCES.Lease), RESOURCES.Lease.kind, undefined, opts.namespace);
    opts.metrics?.setLeader(opts.name, false);
  }

  /** Starts campaigning in the background. */
  start(): void {
    if (this.running !== undefined) return;
    this.stopped = false;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder recorded in the Lease as last observed (undefined before the first read, or when free). */
  get leader(): string | undefined {
    return this.observed?.spec?.holderIdentity || undefined;
  }

  /** Stops campaigning and renewing, without touching the Lease (a standby that leads takes over after it expires). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.wake();
    await this.running;
    this.setLeading(false);
  }

  /**
   * Stops, and if this replica holds the Lease, hands it back: empty holderIdentity so that another replica takes over
   * at once. Call it on shutdown after the last write.
   */
  async release(): Promise<void> {
    await this.stop();
    const lease = this.observed;
    if (lease?.spec?.holderIdentity !== this.opts.identity) return;
    const now = nowMicroTime();
    const released: Lease = {
      ...lease,
      // client-go's release also shortens the lease to 1 s, for readers that wait out the duration anyway.
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    };
    try {
      this.observed = await this.http.call<Lease>('PUT', `${this.leasePath}/${encodeURIComponent(this.opts.name)}`, {
        body: released,
        timeoutMs: this.renewDeadlineMs,
      });
      this.log.info('Released the Lease');
    } catch (err) {
      // A 409 means someone else wrote the Lease since: it is not ours to release any more.
      this.log.warn('Could not release the Lease', { err });
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!this.leading) {
        if (await this.tryAcquireOrRenew()) {
          // Stopped while acquiring: do not start leading; release() still hands the Lease back.
          if (this.stopped) break;
          this.setLeading(true);
          continue;
        }
        // Jitter, so that standbys do not all try at the same moment.
        await this.sleep(this.retryPeriodMs * (1 + Math.random() * 0.2));
        continue;
      }
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) break;
      await this.renew();
    }
  }

  /**
   * One renewal round, as client-go's renew(): the deadline counts from the round's start and the first attempt is
   * made at once. So a process whose event loop stalled past the deadline (a long first pass on a starved CPU, a GC
   * pause) renews when it wakes instead of giving up without trying; were the Lease taken meanwhile, the write's
   * resourceVersion precondition fails it. Without stalls, rounds start a retry period after the last renewal and
   * end within renewDeadline, so a leader that cannot renew stops before its lease runs out for the others.
   */
  private async renew(): Promise<void> {
    const started = Date.now();
    const sinceRenewal = started - this.observedAt;
    if (sinceRenewal > this.renewDeadlineMs)
      this.log.warn('The event loop stalled past the renew deadline; renewing at once', {
        secondsSinceRenewal: sinceRenewal / 1000,
        renewDeadlineSeconds: this.renewDeadlineMs / 1000,
      });
    for (;;) {
      const remaining = started + this.renewDeadlineMs - Date.now();
      if (remaining <= 0) break;
      if (await this.tryAcquireOrRenew(remaining)) return;
      if (this.stopped) return;
      // Someone else holds it now: nothing to wait for.
      if (this.leader !== undefined && this.leader !== this.opts.identity) break;
      await this.sleep(Math.min(this.retryPeriodMs / 4, Math.max(remaining - 1, 0)));
      if (this.stopped) return;
    }
    this.log.error('Lost the Lease: no renewal within the renew deadline', {
      renewDeadlineSeconds: this.renewDeadlineMs / 1000,
      holder: this.leader,
    });
    this.setLeading(false);
  }

  /** One attempt, as client-go's tryAcquireOrRenew: true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const path = `${this.leasePath}/${encodeURIComponent(this.opts.name)}`;
    const now = nowMicroTime();
    try {
      const res = await this.http.request('GET', path, { timeoutMs });
      if (res.status === 404) {
        const created = await this.http.call<Lease>('POST', this.leasePath, {
          body: this.newLease(now),
          timeoutMs,
        });
        this.observe(created);
        return true;
      }
      if (res.status !== 200) throw KubeApiError.fromStatus((res.json ?? {}) as KubeStatus, res.status, `GET ${path}`);
      const current = res.json as Lease;
      this.observe(current);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const mine = holder === this.opts.identity;
      if (holder !== '' && !mine && Date.now() < this.observedAt + this.leaseDurationMs) return false;

      const next: LeaseSpec = {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: this.leaseDurationMs / 1000,
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : now,
        renewTime: now,
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      };
      // PUT with the resourceVersion just read: a 409 means another replica wrote first.
      const updated = await this.http.call<Lease>('PUT', path, { body: { ...current, spec: next }, timeoutMs });
      this.observe(updated);
      if (!mine) this.log.info('Took over the Lease', { previousHolder: holder || undefined });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 409) {
        this.log.debug('Lost a race for the Lease', { err });
      } else {
        this.log.warn('Could not acquire or renew the Lease', { err });
      }
      return false;
    }
  }

  private newLease(now: string): Lease {
    return {
      apiVersion: apiVersionOf(RESOURCES.Lease),
      kind: 'Lease',
      metadata: { name: this.opts.name, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: this.leaseDurationMs / 1000,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }

  /** Notes the Lease as read or written; the expiry clock restarts whenever its record changed. */
  private observe(lease: Lease): void {
    const before = this.observed?.spec;
    const after = lease.spec ?? {};
    const changed =
      before === undefined ||
      before.holderIdentity !== after.holderIdentity ||
      before.renewTime !== after.renewTime ||
      before.acquireTime !== after.acquireTime ||
      before.leaseTransitions !== after.leaseTransitions;
    this.observed = lease;
    if (changed) this.observedAt = Date.now();
    const holder = after.holderIdentity || undefined;
    if (holder !== undefined && holder !== this.lastHolder) this.opts.onNewLeader?.(holder);
    this.lastHolder = holder;
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.opts.metrics?.setLeader(this.opts.name, leading);
    if (leading) {
      this.log.info('Started leading');
      this.opts.onStartedLeading?.();
    } else {
      this.log.info('Stopped leading');
      this.opts.onStoppedLeading?.();
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.timer.sleep(ms);
  }
}

// The rollout Lease (coordination.k8s.io/v1) that keeps two hook runs from overlapping. A run
// holds it while it works and renews it; a run that finds the lease of a dead run (expired, or
// its pod gone) takes over.
import type { KubePort, LeaseView } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly durationSeconds: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const defaultLeaseSeconds = 300;
export const hostIdentityPrefix = 'host:';

export type Acquired =
  | { readonly kind: 'acquired'; readonly tookOverFrom?: string }
  | { readonly kind: 'held'; readonly holder: string };

export class RolloutLease {
  private readonly port: KubePort;
  private readonly o: LeaseOptions;
  private readonly log: Logger;
  private acquiredAt = 0;
  private transitions = 0;
  private resourceVersion: string | undefined;
  private renewer: ReturnType<typeof setInterval> | undefined;
  private lostFlag = false;
  private releasedFlag = false;

  constructor(port: KubePort, options: LeaseOptions, log: Logger) {
    this.port = port;
    this.o = options;
    this.log = log;
  }

  get lost(): boolean {
    return this.lostFlag;
  }

  /** One attempt: takes the lease when free, expired, ours, or held by a pod that no longer runs. */
  async tryAcquire(): Promise<Acquired> {
    const { namespace, name, identity } = this.o;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.port.getLease(namespace, name);
      const now = this.o.now();
      const holder = current?.holder;
      const free = current === undefined || holder === undefined || holder === identity;
      const stale = !free && (expired(current, now) || !(await this.holderAlive(holder)));
      if (!free && !stale) return { kind: 'held', holder };
      this.acquiredAt = now;
      this.transitions =
        (current?.transitions ?? 0) + (holder !== undefined && holder !== identity ? 1 : 0);
      const written = await this.port.writeLease(
        namespace,
        name,
        {
          holder: identity,
          durationSeconds: this.o.durationSeconds,
          acquiredAt: now,
          renewedAt: now,
          transitions: this.transitions,
        },
        current?.resourceVersion,
      );
      if (written !== undefined) {
        this.resourceVersion = written;
        return stale && holder ? { kind: 'acquired', tookOverFrom: holder } : { kind: 'acquired' };
      }
    }
    const current = await this.port.getLease(namespace, name);
    return { kind: 'held', holder: current?.holder ?? 'unknown' };
  }

  /** Waits for the lease until `untilMs`; false if another run still holds it then. */
  async acquire(untilMs: number, shouldStop: () => boolean): Promise<Acquired> {
    let reported = '';
    for (;;) {
      const result = await this.tryAcquire();
      if (result.kind === 'acquired') return result;
      if (result.holder !== reported) {
        this.log.info(
          `waiting for another run to finish: Lease ${this.o.namespace}/${this.o.name} is held by ${result.holder}`,
        );
        reported = result.holder;
      }
      if (this.o.now() >= untilMs || shouldStop()) return result;
      await this.o.sleep(Math.min(10_000, Math.max(0, untilMs - this.o.now())));
    }
  }

  /** Renews every third of the lease duration; on losing it, calls `onLost`. */
  startRenewing(onLost: () => void): void {
    const every = (this.o.durationSeconds * 1000) / 3;
    this.renewer = setInterval(() => {
      void this.renew().then((ok) => {
        if (!ok) {
          this.lostFlag = true;
          this.stopRenewing();
          onLost();
        }
      });
    }, every);
    this.renewer.unref();
  }

  stopRenewing(): void {
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = undefined;
  }

  async renew(): Promise<boolean> {
    const { namespace, name, identity } = this.o;
    try {
      const written = await this.port.writeLease(
        namespace,
        name,
        {
          holder: identity,
          durationSeconds: this.o.durationSeconds,
          acquiredAt: this.acquiredAt,
          renewedAt: this.o.now(),
          transitions: this.transitions,
        },
        this.resourceVersion ?? '',
      );
      if (written === undefined) {
        const current = await this.port.getLease(namespace, name);
        if (current?.holder !== identity) return false;
        this.resourceVersion = current.resourceVersion;
        return await this.renew();
      }
      this.resourceVersion = written;
      return true;
    } catch (e) {
      this.log.warn(`could not renew Lease ${namespace}/${name}; retrying`, { error: e });
      return true;
    }
  }

  /** Gives the lease up so the next run does not wait for it to expire; once. */
  async release(): Promise<void> {
    this.stopRenewing();
    if (this.lostFlag || this.releasedFlag) return;
    this.releasedFlag = true;
    const { namespace, name, identity } = this.o;
    try {
      const current = await this.port.getLease(namespace, name);
      if (current?.holder !== identity) return;
      const now = this.o.now();
      await this.port.writeLease(
        namespace,
        name,
        {
          holder: null,
          durationSeconds: this.o.durationSeconds,
          acquiredAt: this.acquiredAt,
          renewedAt: now,
          transitions: this.transitions,
        },
        current.resourceVersion,
      );
    } catch (e) {
      this.log.warn(`could not release Lease ${namespace}/${name}; it expires by itself`, {
        error: e,
      });
    }
  }

  /** Pod-run holders are their pod's name; host runs (tests, CLI) are `host:...` and only expire. */
  private async holderAlive(holder: string): Promise<boolean> {
    if (holder === '') return false;
    if (holder.startsWith(hostIdentityPrefix)) return true;
    try {
      const pod = await this.port.getPod({ namespace: this.o.namespace, name: holder });
      return pod !== undefined && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
    } catch {
      return true;
    }
  }
}

function expired(lease: LeaseView, now: number): boolean {
  if (lease.renewedAt === undefined) return true;
  return lease.renewedAt + (lease.durationSeconds ?? defaultLeaseSeconds) * 1000 < now;
}

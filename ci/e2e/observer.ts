// Watches every Node and Pod of the test bed and feeds the changes to an InvariantChecker in the
// order the API server made them. Two watch streams are merged by resourceVersion (etcd's global
// revision) after a short reorder window. On a loaded machine one stream can lag the other past
// it (seen in the bench: either stream seconds behind the other), so a change can still arrive
// after a later one was fed: the checker judges a change against the other stream's objects as
// they were at its resourceVersion, and again when a late one comes (invariants.ts). A stream
// that ends (the client drops a watch after 30 s without data) is resumed where watch-ledger.ts
// says, and a replayed change (e.g. a deleted daemon pod's binding, which would be judged again
// against its node's labels of now) is never fed twice.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, ObservationSink, ObservedObject } from './invariants.ts';
import { WatchLedger } from './watch-ledger.ts';

// Long enough for most of one stream's lag behind the other on a loaded 2-core machine.
const reorderWindowMs = 3000;

type WatchedObject = KubeObject & { metadata: { resourceVersion?: string } };

interface Pending {
  readonly receivedAt: number;
  readonly event: ObservedObject;
}

export class ClusterObserver {
  private readonly pending: Pending[] = [];
  private readonly aborts: AbortController[] = [];
  private readonly ledger = new WatchLedger();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly kubeconfig: KubeConfig;
  private readonly sinks: readonly ObservationSink[];

  constructor(kubeconfigPath: string, ...sinks: readonly ObservationSink[]) {
    this.kubeconfig = new KubeConfig();
    this.kubeconfig.loadFromFile(kubeconfigPath);
    this.sinks = sinks;
  }

  async start(): Promise<void> {
    await Promise.all([this.watch('Node', '/api/v1/nodes'), this.watch('Pod', '/api/v1/pods')]);
    this.timer = setInterval(() => {
      this.flush(false);
    }, 200);
  }

  /** Waits out the reorder window, delivers everything observed so far and stops watching. */
  async stop(): Promise<void> {
    await sleep(reorderWindowMs);
    this.stopped = true;
    clearInterval(this.timer);
    for (const abort of this.aborts) abort.abort();
    this.flush(true);
  }

  /**
   * Waits out the reorder window, then delivers everything observed so far without stopping (a
   * change still to come from a lagging stream is judged when it arrives: invariants.ts).
   */
  async settle(): Promise<void> {
    await sleep(reorderWindowMs + 250);
    this.flush(true);
  }

  private async watch(kind: ObservedObject['kind'], path: string): Promise<void> {
    const query: Record<string, string> = { allowWatchBookmarks: 'true' };
    const since = this.ledger.resumeAfter(kind);
    if (since !== undefined) query.resourceVersion = String(since);
    const abort = await new Watch(this.kubeconfig).watch(
      path,
      query,
      (type, object: WatchedObject) => {
        if (type === 'ERROR') {
          // 410 Gone: the resume point left the API server's window; list afresh.
          if ((object as { code?: number }).code === 410) this.ledger.expired(kind);
          return;
        }
        const rv = Number(object.metadata.resourceVersion ?? 0);
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
          this.ledger.bookmark(kind, rv);
          return;
        }
        const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        if (!this.ledger.change(kind, key, rv)) return;
        this.pending.push({
          receivedAt: Date.now(),
          event: { kind, type, resourceVersion: rv, object },
        });
      },
      () => {
        if (!this.stopped) void this.watch(kind, path);
      },
    );
    this.aborts.push(abort);
  }

  private flush(all: boolean): void {
    const cutoff = Date.now() - reorderWindowMs;
    const ready = this.pending.filter((p) => all || p.receivedAt <= cutoff);
    if (ready.length === 0) return;
    const keep = this.pending.filter((p) => !ready.includes(p));
    this.pending.length = 0;
    this.pending.push(...keep);
    ready.sort((a, b) => a.event.resourceVersion - b.event.resourceVersion);
    for (const { event, receivedAt } of ready)
      for (const sink of this.sinks) sink.observe({ ...event, at: receivedAt });
  }
}

// Watches every Node and Pod of the test bed and feeds the changes to an InvariantChecker in the
// order the API server made them. Two watch streams are merged by resourceVersion (etcd's global
// revision) after a short reorder window, so a pod deletion and a node relabel are never judged
// in the wrong order.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, ObservationSink, ObservedObject } from './invariants.ts';

// Long enough for one watch stream to lag the other on a loaded 2-core machine.
const reorderWindowMs = 3000;

interface Pending {
  readonly receivedAt: number;
  readonly event: ObservedObject;
}

export class ClusterObserver {
  private readonly pending: Pending[] = [];
  private readonly aborts: AbortController[] = [];
  private readonly lastVersion = new Map<string, string>();
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

  /** Delivers everything observed up to now (after the reorder window) without stopping. */
  async settle(): Promise<void> {
    await sleep(reorderWindowMs + 250);
    this.flush(false);
  }

  private async watch(kind: ObservedObject['kind'], path: string): Promise<void> {
    const query: Record<string, string> = { allowWatchBookmarks: 'true' };
    const since = this.lastVersion.get(kind);
    if (since) query.resourceVersion = since;
    const abort = await new Watch(this.kubeconfig).watch(
      path,
      query,
      (type, object: KubeObject & { metadata: { resourceVersion?: string } }) => {
        const rv = object.metadata.resourceVersion;
        if (rv) this.lastVersion.set(kind, rv);
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
        this.pending.push({
          receivedAt: Date.now(),
          event: { kind, type, resourceVersion: Number(rv ?? 0), object },
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

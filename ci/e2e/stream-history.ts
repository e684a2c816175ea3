// What the invariant checker needs to judge a change of one watch stream against the other's
// objects as they were at that change's resourceVersion, not as the checker last saw them: the
// two streams can arrive seconds apart (ci/e2e/observer.ts), so "now" on the other stream may be
// ahead of or behind the change being judged.

interface Entry<T> {
  readonly rv: number;
  readonly value: T;
}

/** Changes in resourceVersion order, also when one arrives late. */
class Timeline<T> {
  private readonly entries: Entry<T>[] = [];

  record(rv: number, value: T): void {
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1]?.rv ?? 0) > rv) i--;
    this.entries.splice(i, 0, { rv, value });
  }

  /** The value from the newest change before `rv`, if any. */
  before(rv: number): T | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry && entry.rv < rv) return entry.value;
    }
    return undefined;
  }
}

export class StreamHistory {
  private readonly nodeLabels = new Map<string, Timeline<Readonly<Record<string, string>>>>();
  /** Per node: per consumer pod bound there, whether it exists (false once deleted). */
  private readonly consumers = new Map<string, Map<string, Timeline<boolean>>>();

  /** A node's labels from `rv` on; a deleted node has none. */
  recordNode(name: string, rv: number, labels: Readonly<Record<string, string>>): void {
    const timeline = this.nodeLabels.get(name) ?? new Timeline();
    this.nodeLabels.set(name, timeline);
    timeline.record(rv, labels);
  }

  /** A node's labels just before `rv` (none if it was unknown then). */
  nodeLabelsBefore(name: string, rv: number): Readonly<Record<string, string>> {
    return this.nodeLabels.get(name)?.before(rv) ?? {};
  }

  /** A pod using Onload, bound to `node`, exists (or, `exists` false, is deleted) from `rv` on. */
  recordConsumer(node: string, pod: string, rv: number, exists: boolean): void {
    const pods = this.consumers.get(node) ?? new Map<string, Timeline<boolean>>();
    this.consumers.set(node, pods);
    const timeline = pods.get(pod) ?? new Timeline();
    pods.set(pod, timeline);
    timeline.record(rv, exists);
  }

  /** The consumer pods that were on `node` just before `rv`. */
  consumersBefore(node: string, rv: number): string[] {
    return [...(this.consumers.get(node) ?? new Map<string, Timeline<boolean>>())]
      .filter(([, timeline]) => timeline.before(rv) === true)
      .map(([pod]) => pod);
  }
}

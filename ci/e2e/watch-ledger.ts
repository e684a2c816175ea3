// What the cluster observer's watch streams delivered: where each stream resumes, and which
// changes were fed already. The objects of a watch's first list come in name order, not
// resourceVersion order, so a stream resumes after the newest resourceVersion it delivered (not
// the last one), and a change at or below an object's newest one fed (kept after its deletion)
// is a replay, never fed twice.
export type StreamKind = 'Node' | 'Pod';

export class WatchLedger {
  private readonly newest = new Map<StreamKind, number>();
  private readonly fed = new Map<string, number>();

  /** The resourceVersion to resume `kind`'s stream after; undefined: list afresh. */
  resumeAfter(kind: StreamKind): number | undefined {
    return this.newest.get(kind);
  }

  /** The resume point left the API server's window (410 Gone): the stream lists afresh. */
  expired(kind: StreamKind): void {
    this.newest.delete(kind);
  }

  /** A bookmark: the stream has delivered everything up to `rv`. */
  bookmark(kind: StreamKind, rv: number): void {
    this.newest.set(kind, Math.max(rv, this.newest.get(kind) ?? 0));
  }

  /** Records a change of object `key`; whether it is new (to be fed) rather than a replay. */
  change(kind: StreamKind, key: string, rv: number): boolean {
    this.bookmark(kind, rv);
    const id = `${kind}/${key}`;
    if (rv <= (this.fed.get(id) ?? -1)) return false;
    this.fed.set(id, rv);
    return true;
  }
}

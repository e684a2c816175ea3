// In-memory caches fed by list+watch (port Sinks), and a change notifier the loops wait on.

/** Wakes waiters when anything changed since they last looked. */
export class Changes {
  private version = 0;
  private seen = 0;
  private waiters: (() => void)[] = [];

  notify(): void {
    this.version++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at the next change (immediately if one happened since the last wait), or at `until`. */
  async wait(untilMs: number, now: () => number): Promise<void> {
    if (this.version !== this.seen) {
      this.seen = this.version;
      return;
    }
    const delay = Math.max(0, untilMs - now());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
    this.seen = this.version;
  }
}

export class Store<T> {
  private readonly items = new Map<string, T>();
  private syncedFlag = false;
  private readonly key: (item: T) => string;
  private readonly version: ((item: T) => string) | undefined;
  private readonly changes: Changes;

  /** `version` (a resourceVersion) lets newer local writes win over late watch events. */
  constructor(key: (item: T) => string, changes: Changes, version?: (item: T) => string) {
    this.key = key;
    this.changes = changes;
    this.version = version;
  }

  get synced(): boolean {
    return this.syncedFlag;
  }

  values(): T[] {
    return [...this.items.values()];
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  replace(items: readonly T[]): void {
    this.items.clear();
    for (const item of items) this.items.set(this.key(item), item);
    this.syncedFlag = true;
    this.changes.notify();
  }

  upsert(item: T): void {
    const key = this.key(item);
    const old = this.items.get(key);
    if (old !== undefined && this.version && isOlder(this.version(item), this.version(old))) return;
    this.items.set(key, item);
    this.changes.notify();
  }

  remove(item: T): void {
    if (this.items.delete(this.key(item))) this.changes.notify();
  }
}

/** resourceVersions are opaque, but etcd's are integers; compare only when both are. */
function isOlder(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** A port Sink that feeds a Store. */
export function asSink<T>(store: Store<T>): {
  replace(items: readonly T[]): void;
  upsert(item: T): void;
  remove(item: T): void;
} {
  return {
    replace: (items) => {
      store.replace(items);
    },
    upsert: (item) => {
      store.upsert(item);
    },
    remove: (item) => {
      store.remove(item);
    },
  };
}

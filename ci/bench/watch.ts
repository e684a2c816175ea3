// A narrowed list+watch (selectors, so the bench itself stays light at 1000 nodes) that tells when
// a condition over the watched objects first holds, timestamped as the event arrives.
import {
  CoreV1Api,
  KubeConfig,
  ListWatch,
  Watch,
  type KubernetesListObject,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';

interface Waiter<T> {
  readonly check: (items: readonly T[]) => boolean;
  readonly resolve: (at: number) => void;
}

export class Watched<T extends V1Node | V1Pod> {
  private readonly informer: ListWatch<T>;
  private waiters: Waiter<T>[] = [];
  private started = false;

  private constructor(
    kc: KubeConfig,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    selectors: { readonly labelSelector?: string; readonly fieldSelector?: string },
  ) {
    this.informer = new ListWatch<T>(
      path,
      new Watch(kc),
      list,
      false,
      selectors.labelSelector,
      selectors.fieldSelector,
    );
    for (const verb of ['add', 'update', 'delete'] as const)
      this.informer.on(verb, () => {
        this.wake(Date.now());
      });
  }

  static nodes(
    kc: KubeConfig,
    selectors: { labelSelector?: string; fieldSelector?: string },
  ): Watched<V1Node> {
    const core = kc.makeApiClient(CoreV1Api);
    return new Watched<V1Node>(kc, '/api/v1/nodes', () => core.listNode(selectors), selectors);
  }

  static pods(kc: KubeConfig, selectors: { fieldSelector: string }): Watched<V1Pod> {
    const core = kc.makeApiClient(CoreV1Api);
    return new Watched<V1Pod>(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces(selectors),
      selectors,
    );
  }

  async start(): Promise<this> {
    if (!this.started) {
      this.started = true;
      await this.informer.start();
    }
    return this;
  }

  items(): readonly T[] {
    return this.informer.list();
  }

  /** Resolves with the time `check` first held (now, if it already does); rejects after timeoutMs. */
  until(what: string, check: (items: readonly T[]) => boolean, timeoutMs: number): Promise<number> {
    if (check(this.items())) return Promise.resolve(Date.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter<T> = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  private wake(at: number): void {
    const items = this.items();
    const done = this.waiters.filter((w) => w.check(items));
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve(at);
  }
}

// An in-memory DebugPodPort for unit tests: each created pod plays a script of views (one per
// read, the last repeated), then has a log; creates and deletes can be refused.
import type { V1Pod } from '@kubernetes/client-node';
import type { DebugPodPort, PodView } from './port.ts';

export interface PodScript {
  /** What successive reads return; the last one stays. Default: Succeeded with exit code 0. */
  readonly views?: readonly PodView[];
  readonly log?: string;
  /** The pod vanishes (reads say not found) after this many reads. */
  readonly goneAfterReads?: number;
}

export class MemoryDebugPods implements DebugPodPort {
  /** Pods that exist now, by `namespace/name`. */
  readonly pods = new Map<string, V1Pod>();
  readonly created: V1Pod[] = [];
  readonly deleted: string[] = [];
  /** Node name → how its pod behaves. */
  readonly scripts = new Map<string, PodScript>();
  private readonly reads = new Map<string, number>();
  /** ConfigMap data by `namespace/name`. */
  readonly configMaps = new Map<string, Readonly<Record<string, string>>>();
  createError: Error | undefined;
  deleteError: Error | undefined;
  logError: Error | undefined;
  /** Called on each read (e.g. to abort mid-wait). */
  onRead: ((key: string) => void) | undefined;

  script(node: string, script: PodScript): this {
    this.scripts.set(node, script);
    return this;
  }

  private scriptOf(key: string): PodScript {
    const node = this.pods.get(key)?.spec?.nodeName ?? '';
    return this.scripts.get(node) ?? {};
  }

  readConfigMap(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    return Promise.resolve(this.configMaps.get(`${namespace}/${name}`));
  }

  createPod(pod: V1Pod): Promise<void> {
    if (this.createError) return Promise.reject(this.createError);
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    if (this.pods.has(key)) return Promise.reject(new Error(`pod ${key} already exists`));
    this.pods.set(key, pod);
    this.created.push(pod);
    return Promise.resolve();
  }

  readPod(namespace: string, name: string): Promise<PodView | undefined> {
    const key = `${namespace}/${name}`;
    this.onRead?.(key);
    if (!this.pods.has(key)) return Promise.resolve(undefined);
    const script = this.scriptOf(key);
    const n = this.reads.get(key) ?? 0;
    this.reads.set(key, n + 1);
    if (script.goneAfterReads !== undefined && n >= script.goneAfterReads) {
      this.pods.delete(key);
      return Promise.resolve(undefined);
    }
    const views = script.views ?? [{ phase: 'Succeeded', exitCode: 0 }];
    return Promise.resolve(views[Math.min(n, views.length - 1)]);
  }

  readLog(namespace: string, name: string): Promise<string> {
    if (this.logError) return Promise.reject(this.logError);
    return Promise.resolve(this.scriptOf(`${namespace}/${name}`).log ?? '');
  }

  deletePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    if (this.deleteError) return Promise.reject(this.deleteError);
    this.deleted.push(key);
    this.pods.delete(key);
    return Promise.resolve();
  }
}

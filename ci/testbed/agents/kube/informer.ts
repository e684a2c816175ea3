// A watched cache of one resource that survives errors (the resource's CRD may not exist yet, the
// watch may drop): it lists and watches again with back-off and reports every change.
import {
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText, type Logger } from '../log.ts';

export interface Cache<T extends KubernetesObject> {
  /** The first list has arrived. */
  readonly synced: () => boolean;
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /**
   * Resolves once the cache reflects a write: holds the object at `resourceVersion` or newer, or
   * (with `resourceVersion` undefined) no longer holds it. Gives up quietly after a few seconds.
   */
  observed(name: string, namespace: string | undefined, resourceVersion?: string): Promise<void>;
  stop(): Promise<void>;
}

const maxRetryMs = 4000;

export function watchCache<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  onChange: (object: T) => void,
  log: Logger,
): Cache<T> {
  let synced = false;
  let stopped = false;
  let retryMs = 250;
  let lastError = '';
  const informer = makeInformer<T>(kc, path, async () => {
    const result = await list();
    setImmediate(() => {
      synced = true;
      retryMs = 250;
      lastError = '';
    });
    return result;
  });
  for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, onChange);
  informer.on('error', (error: unknown) => {
    const text = errorText(error);
    if (text !== lastError) log.warn(`watch ${path} failed; retrying`, { error: text });
    lastError = text;
    if (stopped) return;
    setTimeout(() => {
      if (!stopped) void informer.start();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  });
  void informer.start();

  const newer = (object: T | undefined, resourceVersion: string | undefined): boolean =>
    resourceVersion === undefined
      ? object === undefined
      : object !== undefined &&
        Number(object.metadata?.resourceVersion ?? 0) >= Number(resourceVersion);

  return {
    synced: () => synced,
    list: () => informer.list(),
    get: (name, namespace) => informer.get(name, namespace),
    observed: async (name, namespace, resourceVersion) => {
      for (let i = 0; i < 200; i++) {
        if (newer(informer.get(name, namespace), resourceVersion)) return;
        await sleep(25);
      }
    },
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}

// The agents' only door to the API server: typed clients over one kubeconfig, the shared watched
// caches, and the few writes the agents make.
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.ts';
import { watchCache, type Cache } from './informer.ts';
import type { Manifest, PodStatus } from './shapes.ts';
import type { PodView } from './views.ts';
import { rfc3339 } from '../time.ts';

export const kmmGroup = 'kmm.sigs.x-k8s.io';
export const kmmVersion = 'v1beta1';

export interface Clients {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly apiext: ApiextensionsV1Api;
  readonly objects: KubernetesObjectApi;
}

export function clientsFor(kubeconfigPath: string): Clients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    apiext: kc.makeApiClient(ApiextensionsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** HTTP status of a failed API call (0 when it is not an API error). */
export function statusOf(error: unknown): number {
  return error instanceof ApiException ? error.code : 0;
}

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface Caches {
  readonly nodes: Cache<V1Node>;
  readonly pods: Cache<V1Pod>;
  readonly modules: Cache<KubernetesObject>;
  readonly nmcs: Cache<KubernetesObject>;
  /** ModuleImagesConfigs: served only where the bed serves KMM >= 2.4's API. */
  readonly mics: Cache<KubernetesObject>;
}

export type Change =
  | { readonly kind: 'nodes'; readonly object: V1Node }
  | { readonly kind: 'pods'; readonly object: V1Pod }
  | { readonly kind: 'modules' | 'nmcs' | 'mics'; readonly object: KubernetesObject };

export type ChangeHandler = (change: Change) => void;

export function watchAll(clients: Clients, onChange: ChangeHandler, log: Logger): Caches {
  const { kc, core, custom } = clients;
  const customList =
    (plural: string) => async (): Promise<KubernetesListObject<KubernetesObject>> =>
      (await custom.listClusterCustomObject({
        group: kmmGroup,
        version: kmmVersion,
        plural,
      })) as KubernetesListObject<KubernetesObject>;
  return {
    nodes: watchCache(
      kc,
      '/api/v1/nodes',
      () => core.listNode(),
      (object) => {
        onChange({ kind: 'nodes', object });
      },
      log,
    ),
    pods: watchCache(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces(),
      (object) => {
        onChange({ kind: 'pods', object });
      },
      log,
    ),
    modules: watchCache(
      kc,
      `/apis/${kmmGroup}/${kmmVersion}/modules`,
      customList('modules'),
      (object) => {
        onChange({ kind: 'modules', object });
      },
      log,
    ),
    nmcs: watchCache(
      kc,
      `/apis/${kmmGroup}/${kmmVersion}/nodemodulesconfigs`,
      customList('nodemodulesconfigs'),
      (object) => {
        onChange({ kind: 'nmcs', object });
      },
      log,
    ),
    mics: watchCache(
      kc,
      `/apis/${kmmGroup}/${kmmVersion}/moduleimagesconfigs`,
      customList('moduleimagesconfigs'),
      (object) => {
        onChange({ kind: 'mics', object });
      },
      log,
    ),
  };
}

/** Merge-patches node labels (null removes) and waits until the cache shows the result. */
export async function patchNodeLabels(
  clients: Clients,
  caches: Caches,
  node: string,
  labels: Readonly<Record<string, string | null>>,
): Promise<void> {
  const patched = await clients.core.patchNode(
    { name: node, body: { metadata: { labels } } },
    mergePatch,
  );
  await caches.nodes.observed(node, undefined, patched.metadata?.resourceVersion);
}

export async function patchPodStatus(
  clients: Clients,
  caches: Caches,
  pod: PodView,
  status: PodStatus,
): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  const patched = await clients.core.patchNamespacedPodStatus(
    { name, namespace, body: { status } },
    mergePatch,
  );
  await caches.pods.observed(name, namespace, patched.metadata?.resourceVersion);
}

/** Creates an object and waits until the cache holds it. */
export async function createObject(
  clients: Clients,
  cache: Cache<KubernetesObject> | Cache<V1Pod>,
  manifest: Manifest,
): Promise<void> {
  const created = await clients.objects.create(manifest);
  await cache.observed(
    manifest.metadata.name,
    manifest.metadata.namespace,
    created.metadata.resourceVersion,
  );
}

/** A Normal event about a Node, as a controller records it. */
export async function recordNodeEvent(
  clients: Clients,
  node: V1Node,
  event: {
    reason: string;
    message: string;
    component: string;
    annotations?: Record<string, string>;
  },
): Promise<void> {
  const name = node.metadata?.name ?? '';
  const now = rfc3339(new Date());
  const manifest: Manifest = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${name}.${randomBytes(8).toString('hex')}`,
      namespace: 'default',
      ...(event.annotations ? { annotations: event.annotations } : {}),
    },
    involvedObject: { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid },
    reason: event.reason,
    message: event.message,
    type: 'Normal',
    source: { component: event.component, host: name },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: event.component,
    reportingInstance: event.component,
  };
  await clients.objects.create(manifest);
}

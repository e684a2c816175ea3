// The one adapter of KubePort over @kubernetes/client-node 2.x. Error semantics live here:
// evict 404 = done, 429 = a disruption budget blocks (named when possible), 409 on a node patch =
// conflict (the caller re-reads), transient failures (5xx, resets, 429 elsewhere) retried.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  CoreV1Event,
  PolicyV1Api,
  V1Eviction,
  V1Lease,
  V1MicroTime,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { OnloadStatus } from '../../generated/onload-types.ts';
import { kmmModuleApi } from '../contract.ts';
import type { Logger } from '../log/logger.ts';
import { pooledClientFactory, pooledWatchConfig } from './connections.ts';
import {
  budgetsIn,
  defaultRetry,
  describeFailure,
  isAbort,
  KubeError,
  statusOf,
  withRetry,
  type RetryOptions,
} from './errors.ts';
import type {
  DeploymentView,
  EventSpec,
  EvictionResult,
  KubePort,
  LeaseSpec,
  LeaseView,
  MetadataPatch,
  MicView,
  ModuleCrdView,
  ModuleView,
  NmcView,
  NodeView,
  OnloadView,
  PatchResult,
  PdbView,
  PodQuery,
  PodImagesView,
  PodRef,
  PodView,
  Sink,
} from './port.ts';
import { matches } from './selectors.ts';
import { onloadStatusPatch } from './status-patch.ts';
import {
  toDeploymentView,
  toLeaseView,
  toMicView,
  toModuleCrdView,
  toModuleView,
  toNmcView,
  toNodeView,
  toOnloadView,
  toPdbView,
  toPodImagesView,
  toPodView,
  type RawCrd,
  type RawModule,
  type RawOnload,
  type RawPod,
} from './views.ts';
import { abortableSleep } from '../abortable-sleep.ts';

const kmm = { group: kmmModuleApi.group, version: kmmModuleApi.version } as const;
const onloadApi = { group: 'onload.amd.com', version: 'v1alpha1', plural: 'onloads' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export interface AdapterOptions {
  readonly retry?: RetryOptions;
  /** Server-side watch timeout; the watch is re-established after it. */
  readonly watchTimeoutSeconds?: number;
}

interface Listed<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

/** Objects per page of a list: a list of thousands of nodes is never one response in memory. */
export const listPageSize = 250;

/** One page as the API returns it. */
interface Page<R> {
  readonly items: readonly R[];
  readonly metadata?: { readonly resourceVersion?: string; readonly _continue?: string };
}

/**
 * Reads a list page by page, converting each page before the next is fetched (the raw objects,
 * managedFields and all, are dropped page by page). The resourceVersion is the snapshot's, which
 * every page shares.
 */
export async function listPaged<R, T>(
  page: (next: string | undefined) => Promise<Page<R>>,
  convert: (raw: R) => T,
): Promise<Listed<T>> {
  const items: T[] = [];
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const listed = await page(next);
    for (const raw of listed.items) items.push(convert(raw));
    resourceVersion = listed.metadata?.resourceVersion ?? resourceVersion;
    next = listed.metadata?._continue || undefined;
  } while (next !== undefined);
  return { items, resourceVersion };
}

/**
 * The kubeconfig of $KUBECONFIG, ~/.kube/config or the pod's service account, or of `file`;
 * `context` replaces its current context (an Error names a context it does not have).
 */
export function loadKubeConfig(
  options: { readonly file?: string; readonly context?: string } = {},
): KubeConfig {
  const kc = new KubeConfig();
  if (options.file !== undefined) kc.loadFromFile(options.file);
  else kc.loadFromDefault();
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null)
      throw new Error(`context "${options.context}" not found in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  return kc;
}

export class ClientNodeKube implements KubePort {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly policy: PolicyV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly extensions: ApiextensionsV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly retry: RetryOptions;
  private readonly watchTimeoutSeconds: number;
  /** What watches connect with: their own pool, HTTP/2. */
  private readonly watchConfig: KubeConfig;
  private readonly log: Logger;

  constructor(kc: KubeConfig, log: Logger, options: AdapterOptions = {}) {
    this.log = log;
    const client = pooledClientFactory(kc);
    this.watchConfig = pooledWatchConfig(kc);
    this.core = client(CoreV1Api);
    this.apps = client(AppsV1Api);
    this.policy = client(PolicyV1Api);
    this.custom = client(CustomObjectsApi);
    this.extensions = client(ApiextensionsV1Api);
    this.coordination = client(CoordinationV1Api);
    this.retry = options.retry ?? defaultRetry;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 600;
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, this.retry);
  }

  /** Like call, but a 404 is an answer (undefined). */
  private async find<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, fn);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  // Nodes

  async listNodes(labelSelector: string): Promise<NodeView[]> {
    return [...(await this.listNodesPaged(labelSelector)).items];
  }

  private listNodesPaged(labelSelector: string): Promise<Listed<NodeView>> {
    return listPaged(
      (next) =>
        this.call(`list nodes (${labelSelector || 'all'})`, () =>
          this.core.listNode({
            ...(labelSelector ? { labelSelector } : {}),
            limit: listPageSize,
            ...(next !== undefined ? { _continue: next } : {}),
          }),
        ),
      toNodeView,
    );
  }

  async getNode(name: string): Promise<NodeView | undefined> {
    const node = await this.find(`get node ${name}`, () => this.core.readNode({ name }));
    return node ? toNodeView(node) : undefined;
  }

  async patchNode(
    name: string,
    patch: MetadataPatch,
    resourceVersion?: string,
  ): Promise<PatchResult<NodeView>> {
    const body = {
      metadata: {
        ...(patch.labels ? { labels: patch.labels } : {}),
        ...(patch.annotations ? { annotations: patch.annotations } : {}),
        ...(resourceVersion ? { resourceVersion } : {}),
      },
    };
    try {
      const node = await withRetry(
        `patch node ${name}`,
        () => this.core.patchNode({ name, body }, mergePatch),
        this.retry,
      );
      return { kind: 'patched', object: toNodeView(node) };
    } catch (e) {
      const status = statusOf(e);
      if (status === 409) return { kind: 'conflict' };
      if (status === 404) return { kind: 'not-found' };
      throw e;
    }
  }

  watchNodes(labelSelector: string, sink: Sink<NodeView>, signal: AbortSignal): void {
    this.listWatch(
      'nodes',
      '/api/v1/nodes',
      { ...(labelSelector ? { labelSelector } : {}) },
      () => this.listNodesPaged(labelSelector),
      toNodeView,
      sink,
      signal,
    );
  }

  // Pods

  async listPods(query: PodQuery): Promise<PodView[]> {
    return [...(await this.listPodsPaged(query, toPodView)).items];
  }

  private listPodsPaged<T>(query: PodQuery, convert: (raw: RawPod) => T): Promise<Listed<T>> {
    const selectors = {
      ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
      ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    };
    const what = `list pods (${query.namespace ?? 'all namespaces'} ${query.labelSelector ?? ''} ${query.fieldSelector ?? ''})`;
    return listPaged((next) => {
      const params = {
        ...selectors,
        limit: listPageSize,
        ...(next !== undefined ? { _continue: next } : {}),
      };
      return this.call(what, () =>
        query.namespace !== undefined
          ? this.core.listNamespacedPod({ namespace: query.namespace, ...params })
          : this.core.listPodForAllNamespaces(params),
      );
    }, convert);
  }

  watchPods(query: PodQuery, sink: Sink<PodView>, signal: AbortSignal): void {
    const path =
      query.namespace !== undefined ? `/api/v1/namespaces/${query.namespace}/pods` : '/api/v1/pods';
    const params = {
      ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
      ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    };
    this.listWatch(
      'pods',
      path,
      params,
      () => this.listPodsPaged(query, toPodView),
      toPodView,
      sink,
      signal,
    );
  }

  async getPod(ref: PodRef): Promise<PodView | undefined> {
    const pod = await this.find(`get pod ${ref.namespace}/${ref.name}`, () =>
      this.core.readNamespacedPod({ namespace: ref.namespace, name: ref.name }),
    );
    return pod ? toPodView(pod) : undefined;
  }

  async listPodImages(namespace: string, labelSelector: string): Promise<PodImagesView[]> {
    return [...(await this.listPodsPaged({ namespace, labelSelector }, toPodImagesView)).items];
  }

  async evictPod(ref: PodRef): Promise<EvictionResult> {
    const body = Object.assign(new V1Eviction(), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: ref.name, namespace: ref.namespace },
    });
    const what = `evict pod ${ref.namespace}/${ref.name}`;
    for (let conflicts = 0; ; conflicts++) {
      try {
        // 429 here is an answer (a budget), not overload: do not retry it inside.
        await withRetry(
          what,
          () => this.core.createNamespacedPodEviction({ ...ref, body }),
          this.retry,
          (e) => {
            const s = statusOf(e);
            return s === undefined ? !isAbort(e) : s >= 500 && !isMultipleBudgets(e);
          },
        );
        return { kind: 'evicted' };
      } catch (e) {
        const f = describeFailure(e instanceof KubeError ? e.cause : e);
        if (f.status === 404) return { kind: 'gone' };
        if (f.status === 409 && conflicts < 3) continue;
        if (f.status === 429) {
          let budgets = budgetsIn(f.body);
          if (budgets.length === 0) budgets = await this.budgetsFor(ref);
          return { kind: 'blocked', budgets, message: f.message };
        }
        if ((f.status !== undefined && f.status < 500) || isMultipleBudgets(e))
          return { kind: 'refused', message: f.message };
        throw e;
      }
    }
  }

  private async budgetsFor(ref: PodRef): Promise<string[]> {
    try {
      const pod = await this.getPod(ref);
      if (!pod) return [];
      const pdbs = await this.listPdbs(ref.namespace);
      return pdbs
        .filter((p) => matches(p.selector, pod.labels))
        .map((p) => `${p.namespace}/${p.name}`);
    } catch (e) {
      this.log.debug('could not find the budgets blocking an eviction', { pod: ref, error: e });
      return [];
    }
  }

  async deletePod(ref: PodRef): Promise<boolean> {
    const deleted = await this.find(`delete pod ${ref.namespace}/${ref.name}`, () =>
      this.core.deleteNamespacedPod({ namespace: ref.namespace, name: ref.name }),
    );
    return deleted !== undefined;
  }

  // Policy, apps

  async listPdbs(namespace?: string): Promise<PdbView[]> {
    const list = await this.call(
      `list PodDisruptionBudgets (${namespace ?? 'all namespaces'})`,
      () =>
        namespace !== undefined
          ? this.policy.listNamespacedPodDisruptionBudget({ namespace })
          : this.policy.listPodDisruptionBudgetForAllNamespaces(),
    );
    return list.items.map((p) => toPdbView(p as Parameters<typeof toPdbView>[0]));
  }

  async findDeployments(name: string): Promise<DeploymentView[]> {
    const list = await this.call(`list deployments named ${name}`, () =>
      this.apps.listDeploymentForAllNamespaces({ fieldSelector: `metadata.name=${name}` }),
    );
    return list.items.map((d) => toDeploymentView(d as Parameters<typeof toDeploymentView>[0]));
  }

  async removeConfigMapFinalizer(
    namespace: string,
    name: string,
    finalizer: string,
  ): Promise<'removed' | 'absent' | 'not-found'> {
    const what = `remove finalizer ${finalizer} from ConfigMap ${namespace}/${name}`;
    // The test operation makes the removal fail (422) if the list changed since it was read.
    for (let attempt = 1; ; attempt += 1) {
      const cm = await this.find(what, () =>
        this.core.readNamespacedConfigMap({ namespace, name }),
      );
      if (cm === undefined) return 'not-found';
      const index = (cm.metadata?.finalizers ?? []).indexOf(finalizer);
      if (index < 0) return 'absent';
      const path = `/metadata/finalizers/${index}`;
      const body = [
        { op: 'test', path, value: finalizer },
        { op: 'remove', path },
      ];
      try {
        const patched = await this.find(what, () =>
          this.core.patchNamespacedConfigMap({ namespace, name, body }, jsonPatch),
        );
        return patched === undefined ? 'not-found' : 'removed';
      } catch (e) {
        if (statusOf(e) !== 422 || attempt >= 3) throw e;
      }
    }
  }

  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean> {
    const scaled = await this.find(`scale deployment ${namespace}/${name} to ${replicas}`, () =>
      this.apps.patchNamespacedDeploymentScale(
        { namespace, name, body: { spec: { replicas } } },
        mergePatch,
      ),
    );
    return scaled !== undefined;
  }

  async getNamespaceLabels(name: string): Promise<Readonly<Record<string, string>> | undefined> {
    const ns = await this.find(`get namespace ${name}`, () => this.core.readNamespace({ name }));
    return ns === undefined ? undefined : (ns.metadata?.labels ?? {});
  }

  // KMM

  async kmmResourceServed(
    plural: 'modules' | 'moduleimagesconfigs' | 'nodemodulesconfigs',
    namespace: string,
  ): Promise<boolean> {
    try {
      await this.call(`list ${plural}.${kmm.group}`, () =>
        plural === 'nodemodulesconfigs'
          ? this.custom.listClusterCustomObject({ ...kmm, plural, limit: 1 })
          : this.custom.listNamespacedCustomObject({ ...kmm, plural, namespace, limit: 1 }),
      );
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  async getModuleCrd(): Promise<ModuleCrdView | undefined> {
    const name = kmmModuleApi.crd;
    const raw = await this.find(
      `get CustomResourceDefinition ${name}`,
      () => this.extensions.readCustomResourceDefinition({ name }) as Promise<RawCrd>,
    );
    return raw ? toModuleCrdView(raw) : undefined;
  }

  async getModule(namespace: string, name: string): Promise<ModuleView | undefined> {
    const raw = await this.find(
      `get Module ${namespace}/${name}`,
      () =>
        this.custom.getNamespacedCustomObject({
          ...kmm,
          plural: 'modules',
          namespace,
          name,
        }) as Promise<RawModule>,
    );
    return raw ? toModuleView(raw) : undefined;
  }

  async listModules(labelSelector: string): Promise<ModuleView[]> {
    const list = (await this.call(`list Modules (${labelSelector})`, () =>
      this.custom.listCustomObjectForAllNamespaces({
        ...kmm,
        resourcePlural: 'modules',
        labelSelector,
      }),
    )) as { items?: RawModule[] };
    return (list.items ?? []).map(toModuleView);
  }

  watchModules(namespace: string, sink: Sink<ModuleView>, signal: AbortSignal): void {
    this.listWatch(
      'modules',
      `/apis/${kmm.group}/${kmm.version}/namespaces/${namespace}/modules`,
      {},
      async () => {
        const list = (await this.call(`list Modules in ${namespace}`, () =>
          this.custom.listNamespacedCustomObject({ ...kmm, plural: 'modules', namespace }),
        )) as { items?: RawModule[]; metadata?: { resourceVersion?: string } };
        return {
          items: (list.items ?? []).map(toModuleView),
          resourceVersion: list.metadata?.resourceVersion ?? '',
        };
      },
      toModuleView,
      sink,
      signal,
    );
  }

  async getModuleImagesConfig(namespace: string, name: string): Promise<MicView | undefined> {
    const raw = await this.find(
      `get ModuleImagesConfig ${namespace}/${name}`,
      () =>
        this.custom.getNamespacedCustomObject({
          ...kmm,
          plural: 'moduleimagesconfigs',
          namespace,
          name,
        }) as Promise<Parameters<typeof toMicView>[0]>,
    );
    return raw ? toMicView(raw) : undefined;
  }

  async getNodeModulesConfig(node: string): Promise<NmcView | undefined> {
    const raw = await this.find(
      `get NodeModulesConfig ${node}`,
      () =>
        this.custom.getClusterCustomObject({
          ...kmm,
          plural: 'nodemodulesconfigs',
          name: node,
        }) as Promise<Parameters<typeof toNmcView>[0]>,
    );
    return raw ? toNmcView(raw) : undefined;
  }

  // Onload CR

  async getOnload(namespace: string, name: string): Promise<OnloadView | undefined> {
    const raw = await this.find(
      `get Onload ${namespace}/${name}`,
      () =>
        this.custom.getNamespacedCustomObject({
          ...onloadApi,
          namespace,
          name,
        }) as Promise<RawOnload>,
    );
    return raw ? toOnloadView(raw) : undefined;
  }

  async listOnloads(namespace: string): Promise<OnloadView[]> {
    const list = (await this.find(`list Onload in ${namespace}`, () =>
      this.custom.listNamespacedCustomObject({ ...onloadApi, namespace }),
    )) as { items?: RawOnload[] } | undefined;
    return (list?.items ?? []).map(toOnloadView);
  }

  watchOnload(namespace: string, name: string, sink: Sink<OnloadView>, signal: AbortSignal): void {
    const fieldSelector = `metadata.name=${name}`;
    this.listWatch(
      'onloads',
      `/apis/${onloadApi.group}/${onloadApi.version}/namespaces/${namespace}/onloads`,
      { fieldSelector },
      async () => {
        const list = (await this.call(`list Onload ${namespace}/${name}`, () =>
          this.custom.listNamespacedCustomObject({ ...onloadApi, namespace, fieldSelector }),
        )) as { items?: RawOnload[]; metadata?: { resourceVersion?: string } };
        return {
          items: (list.items ?? []).map(toOnloadView),
          resourceVersion: list.metadata?.resourceVersion ?? '',
        };
      },
      toOnloadView,
      sink,
      signal,
    );
  }

  async patchOnloadStatus(namespace: string, name: string, status: OnloadStatus): Promise<boolean> {
    const done: unknown = await this.find(`update status of Onload ${namespace}/${name}`, () =>
      this.custom.patchNamespacedCustomObjectStatus(
        { ...onloadApi, namespace, name, body: onloadStatusPatch(status) },
        jsonPatch,
      ),
    );
    return done !== undefined;
  }

  async patchOnloadAnnotations(
    namespace: string,
    name: string,
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<boolean> {
    const done: unknown = await this.find(`annotate Onload ${namespace}/${name}`, () =>
      this.custom.patchNamespacedCustomObject(
        { ...onloadApi, namespace, name, body: { metadata: { annotations } } },
        mergePatch,
      ),
    );
    return done !== undefined;
  }

  // Lease

  async getLease(namespace: string, name: string): Promise<LeaseView | undefined> {
    const lease = await this.find(`get Lease ${namespace}/${name}`, () =>
      this.coordination.readNamespacedLease({ namespace, name }),
    );
    return lease ? toLeaseView(lease) : undefined;
  }

  async writeLease(
    namespace: string,
    name: string,
    lease: LeaseSpec,
    resourceVersion?: string,
  ): Promise<string | undefined> {
    const body = Object.assign(new V1Lease(), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        ...(lease.holder !== null ? { holderIdentity: lease.holder } : {}),
        leaseDurationSeconds: lease.durationSeconds,
        acquireTime: new V1MicroTime(lease.acquiredAt),
        renewTime: new V1MicroTime(lease.renewedAt),
        leaseTransitions: lease.transitions,
      },
    });
    try {
      const written =
        resourceVersion === undefined
          ? await this.call(`create Lease ${namespace}/${name}`, () =>
              this.coordination.createNamespacedLease({ namespace, body }),
            )
          : await this.call(`update Lease ${namespace}/${name}`, () =>
              this.coordination.replaceNamespacedLease({ namespace, name, body }),
            );
      return written.metadata?.resourceVersion ?? '';
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 404) return undefined;
      throw e;
    }
  }

  async deleteLease(namespace: string, name: string): Promise<void> {
    await this.find(`delete Lease ${namespace}/${name}`, () =>
      this.coordination.deleteNamespacedLease({ namespace, name }),
    );
  }

  // Events

  async createEvent(event: EventSpec): Promise<void> {
    const now = new Date();
    const suffix = `${now.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const body = Object.assign(new CoreV1Event(), {
      metadata: { name: `${event.involved.name}.${suffix}`, namespace: event.namespace },
      involvedObject: {
        kind: event.involved.kind,
        name: event.involved.name,
        apiVersion: event.involved.apiVersion,
        ...(event.involved.uid ? { uid: event.involved.uid } : {}),
        ...(event.involved.namespace ? { namespace: event.involved.namespace } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: event.component },
      reportingComponent: event.component,
      reportingInstance: event.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    await this.call(
      `create event ${event.reason} for ${event.involved.kind} ${event.involved.name}`,
      () => this.core.createNamespacedEvent({ namespace: event.namespace, body }),
    );
  }

  // List + watch with reconnects; relists when the resourceVersion is too old (410).

  private listWatch<T>(
    kind: string,
    path: string,
    params: Readonly<Record<string, string>>,
    /** The list, converted (watch events are converted with `convert`). */
    list: () => Promise<Listed<T>>,
    /** A view of a watched object (its parameter: the raw object's shape). */
    convert: (raw: never) => T,
    sink: Sink<T>,
    signal: AbortSignal,
  ): void {
    // Its own function: a list held in the loop's frame would stay reachable (the whole raw
    // response, managedFields and all) for as long as the watch runs.
    const relist = async (): Promise<string> => {
      const listed = await list();
      sink.replace(listed.items);
      return listed.resourceVersion;
    };
    const run = async (): Promise<void> => {
      let resourceVersion: string | undefined;
      let failures = 0;
      while (!signal.aborted) {
        try {
          resourceVersion ??= await relist();
          const began = Date.now();
          const result = await this.watchOnce(
            path,
            params,
            resourceVersion,
            (raw) => convert(raw as never),
            sink,
            signal,
          );
          resourceVersion = result.relist ? undefined : result.resourceVersion;
          failures = 0;
          // A server that closes watches at once must not turn this into a busy loop.
          if (Date.now() - began < 1_000) await abortableSleep(1_000, signal);
        } catch (e) {
          if (aborted(signal)) return;
          failures++;
          if (statusOf(e) === 410) resourceVersion = undefined;
          sink.trouble?.(e);
          this.log.debug(`watch of ${kind} interrupted; retrying`, { path, error: e, failures });
          await abortableSleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), signal);
        }
      }
    };
    void run();
  }

  private watchOnce<T>(
    path: string,
    params: Readonly<Record<string, string>>,
    resourceVersion: string,
    convert: (raw: unknown) => T,
    sink: Sink<T>,
    signal: AbortSignal,
  ): Promise<{ relist: boolean; resourceVersion: string }> {
    return new Promise((resolve, reject) => {
      let latest = resourceVersion;
      let relist = false;
      const watch = new Watch(this.watchConfig);
      // The client aborts a watch silent for requestTimeoutMs; bookmarks and the server timeout
      // keep it alive, so allow a little more than the server-side timeout.
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs =
        (this.watchTimeoutSeconds + 60) * 1000;
      const onEvent = (type: string, obj: unknown): void => {
        const raw = obj as { metadata?: { resourceVersion?: string }; code?: number };
        if (type === 'ERROR') {
          if (raw.code === 410) relist = true;
          return;
        }
        const rv = raw.metadata?.resourceVersion;
        if (rv) latest = rv;
        if (type === 'BOOKMARK') return;
        const view = convert(obj);
        if (type === 'DELETED') sink.remove(view);
        else sink.upsert(view);
      };
      const onDone = (err: unknown): void => {
        signal.removeEventListener('abort', onAbort);
        if (err && !signal.aborted && !isAbort(err))
          reject(err instanceof Error ? err : new Error(describeFailure(err).message));
        else resolve({ relist, resourceVersion: latest });
      };
      let controller: AbortController | undefined;
      const onAbort = (): void => controller?.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      watch
        .watch(
          path,
          {
            ...params,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: this.watchTimeoutSeconds,
          },
          onEvent,
          onDone,
        )
        .then(
          (c) => {
            controller = c;
            if (signal.aborted) c.abort();
          },
          (e: unknown) => {
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
    });
  }
}

/** Read through a call so the compiler does not narrow a flag that changes asynchronously. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function isMultipleBudgets(error: unknown): boolean {
  const f = describeFailure(error instanceof KubeError ? error.cause : error);
  return f.status === 500 && /multiple PodDisruptionBudgets/i.test(f.message);
}

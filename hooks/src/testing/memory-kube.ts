// An in-memory KubePort for phase tests: objects in maps, list+watch through sinks, a count of
// API requests (a watch counts as its list plus one request), and controllers (KMM, the
// DaemonSet controller, the kubelet) that react to every change like the test bed's stand-ins.
import type { OnloadStatus } from '../../generated/onload-types.ts';
import type {
  ContainerImageView,
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
} from '../kube/port.ts';
import { KubeError } from '../kube/errors.ts';
import { matches, parse, type Selector } from '../kube/selectors.ts';
import { mergeStringMap } from './merge-patch.ts';
import { podKey } from '../model/pods.ts';

interface Watcher<T> {
  readonly accepts: (item: T) => boolean;
  readonly sink: Sink<T>;
  readonly signal: AbortSignal;
  readonly seen: Set<string>;
}

export type Controller = (kube: MemoryKube) => void;

export class MemoryKube implements KubePort {
  readonly nodes = new Map<string, NodeView>();
  readonly pods = new Map<string, PodView>();
  /** The containers of the pods that have them set (by pod key); others have none. */
  readonly podContainers = new Map<string, readonly ContainerImageView[]>();
  readonly modules = new Map<string, ModuleView>();
  readonly mics = new Map<string, MicView>();
  readonly nmcs = new Map<string, NmcView>();
  readonly leases = new Map<string, { view: LeaseView; spec: LeaseSpec }>();
  readonly events: EventSpec[] = [];
  readonly statuses: OnloadStatus[] = [];
  pdbs: PdbView[] = [];
  deployments: DeploymentView[] = [];
  /** ConfigMap finalizers by `namespace/name`. */
  configMapFinalizers = new Map<string, string[]>();
  /** Labels of namespaces (absent: a namespace without labels). */
  namespaceLabels = new Map<string, Record<string, string>>();
  /** Onload resources by name. */
  readonly onloads = new Map<string, OnloadView>();
  kmmServed = { modules: true, moduleimagesconfigs: true, nodemodulesconfigs: true };
  /** The Module CRD (default: KMM >= 2.3's, with tolerations); 'forbidden': reading it is refused. */
  moduleCrd: ModuleCrdView | undefined | 'forbidden' = {
    versions: [
      { name: 'v1beta1', served: true, specFields: ['moduleLoader', 'selector', 'tolerations'] },
    ],
  };
  /** Decides evictions (default: accepted). */
  evictionPolicy: (pod: PodView) => EvictionResult = () => ({ kind: 'evicted' });
  readonly requests = new Map<string, number>();
  private readonly nodeWatchers: Watcher<NodeView>[] = [];
  private readonly podWatchers: Watcher<PodView>[] = [];
  private readonly moduleWatchers: Watcher<ModuleView>[] = [];
  private readonly onloadWatchers: Watcher<OnloadView>[] = [];
  private readonly controllers: Controller[] = [];
  private rv = 100;
  private scheduled = false;

  addController(c: Controller): void {
    this.controllers.push(c);
  }

  totalRequests(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }

  private count(what: string): void {
    this.requests.set(what, (this.requests.get(what) ?? 0) + 1);
  }

  nextVersion(): string {
    return String(++this.rv);
  }

  // Admin side (not counted): used by tests and controllers.

  putNode(node: NodeView): NodeView {
    const next = { ...node, resourceVersion: this.nextVersion() };
    this.nodes.set(node.name, next);
    this.publish(this.nodeWatchers, next, (n) => n.name);
    return next;
  }

  editNode(name: string, edit: (n: NodeView) => Partial<NodeView>): void {
    const node = this.nodes.get(name);
    if (node) this.putNode({ ...node, ...edit(node) });
  }

  putPod(pod: PodView, containers?: readonly ContainerImageView[]): void {
    this.pods.set(podKey(pod), pod);
    if (containers) this.podContainers.set(podKey(pod), containers);
    this.publish(this.podWatchers, pod, podKey);
  }

  /** A pod known by its containers (KMM's image-pull pods), Pending on no node. */
  putPodImages(view: PodImagesView): void {
    const { namespace, name, labels, containers } = view;
    this.putPod(
      {
        namespace,
        name,
        uid: `uid-${namespace}-${name}`,
        nodeName: '',
        labels,
        phase: 'Pending',
        deleting: false,
        createdAt: 0,
        ready: false,
        usesOnload: false,
        mirror: false,
        restarts: 0,
      },
      containers,
    );
  }

  removePod(key: string): void {
    const pod = this.pods.get(key);
    if (!pod) return;
    this.pods.delete(key);
    this.podContainers.delete(key);
    for (const w of this.podWatchers)
      if (w.seen.delete(key) && !w.signal.aborted) w.sink.remove(pod);
    this.changed();
  }

  putModule(module: ModuleView): void {
    this.modules.set(module.name, module);
    this.publish(this.moduleWatchers, module, (m) => m.name);
  }

  /** The first Onload put (the phase tests' release). */
  get onload(): OnloadView | undefined {
    return this.onloads.values().next().value;
  }

  putOnload(onload: OnloadView): void {
    this.onloads.set(onload.name, onload);
    this.publish(this.onloadWatchers, onload, (o) => o.name);
  }

  private publish<T>(watchers: Watcher<T>[], item: T, key: (item: T) => string): void {
    for (const w of watchers) {
      if (w.signal.aborted) continue;
      const k = key(item);
      if (w.accepts(item)) {
        w.seen.add(k);
        w.sink.upsert(item);
      } else if (w.seen.delete(k)) w.sink.remove(item);
    }
    this.changed();
  }

  /** Runs the controllers soon after a change (coalesced). */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const c of this.controllers) c(this);
    });
  }

  private watch<T>(
    watchers: Watcher<T>[],
    items: () => T[],
    accepts: (item: T) => boolean,
    key: (item: T) => string,
    sink: Sink<T>,
    signal: AbortSignal,
  ): void {
    const seen = new Set<string>();
    watchers.push({ accepts, sink, signal, seen });
    queueMicrotask(() => {
      const listed = items().filter(accepts);
      for (const i of listed) seen.add(key(i));
      sink.replace(listed);
    });
  }

  // KubePort

  listNodes(labelSelector: string): Promise<NodeView[]> {
    this.count('listNodes');
    const sel = parse(labelSelector, 'labelSelector');
    return Promise.resolve([...this.nodes.values()].filter((n) => matches(sel, n.labels)));
  }

  getNode(name: string): Promise<NodeView | undefined> {
    this.count('getNode');
    return Promise.resolve(this.nodes.get(name));
  }

  patchNode(
    name: string,
    patch: MetadataPatch,
    resourceVersion?: string,
  ): Promise<PatchResult<NodeView>> {
    this.count('patchNode');
    const node = this.nodes.get(name);
    if (!node) return Promise.resolve({ kind: 'not-found' });
    if (resourceVersion !== undefined && resourceVersion !== node.resourceVersion)
      return Promise.resolve({ kind: 'conflict' });
    const next = this.putNode({
      ...node,
      labels: mergeStringMap(node.labels, patch.labels ?? {}),
      annotations: mergeStringMap(node.annotations, patch.annotations ?? {}),
    });
    return Promise.resolve({ kind: 'patched', object: next });
  }

  watchNodes(labelSelector: string, sink: Sink<NodeView>, signal: AbortSignal): void {
    this.count('listNodes');
    this.count('watchNodes');
    const sel = parse(labelSelector, 'labelSelector');
    this.watch(
      this.nodeWatchers,
      () => [...this.nodes.values()],
      (n) => matches(sel, n.labels),
      (n) => n.name,
      sink,
      signal,
    );
  }

  listPods(query: PodQuery): Promise<PodView[]> {
    this.count('listPods');
    return Promise.resolve([...this.pods.values()].filter(podFilter(query)));
  }

  watchPods(query: PodQuery, sink: Sink<PodView>, signal: AbortSignal): void {
    this.count('listPods');
    this.count('watchPods');
    this.watch(
      this.podWatchers,
      () => [...this.pods.values()],
      podFilter(query),
      podKey,
      sink,
      signal,
    );
  }

  getPod(ref: PodRef): Promise<PodView | undefined> {
    this.count('getPod');
    return Promise.resolve(this.pods.get(podKey(ref)));
  }

  listPodImages(namespace: string, labelSelector: string): Promise<PodImagesView[]> {
    this.count('listPodImages');
    return Promise.resolve(
      [...this.pods.values()].filter(podFilter({ namespace, labelSelector })).map((p) => ({
        namespace: p.namespace,
        name: p.name,
        labels: p.labels,
        containers: this.podContainers.get(podKey(p)) ?? [],
      })),
    );
  }

  evictPod(ref: PodRef): Promise<EvictionResult> {
    this.count('evictPod');
    const pod = this.pods.get(podKey(ref));
    if (!pod) return Promise.resolve({ kind: 'gone' });
    const result = this.evictionPolicy(pod);
    if (result.kind === 'evicted') this.putPod({ ...pod, deleting: true });
    return Promise.resolve(result);
  }

  deletePod(ref: PodRef): Promise<boolean> {
    this.count('deletePod');
    const pod = this.pods.get(podKey(ref));
    if (!pod) return Promise.resolve(false);
    this.putPod({ ...pod, deleting: true });
    return Promise.resolve(true);
  }

  listPdbs(namespace?: string): Promise<PdbView[]> {
    this.count('listPdbs');
    return Promise.resolve(
      this.pdbs.filter((p) => namespace === undefined || p.namespace === namespace),
    );
  }

  findDeployments(name: string): Promise<DeploymentView[]> {
    this.count('findDeployments');
    return Promise.resolve(this.deployments.filter((d) => d.name === name));
  }

  removeConfigMapFinalizer(
    namespace: string,
    name: string,
    finalizer: string,
  ): Promise<'removed' | 'absent' | 'not-found'> {
    this.count('removeConfigMapFinalizer');
    const key = `${namespace}/${name}`;
    const finalizers = this.configMapFinalizers.get(key);
    if (finalizers === undefined) return Promise.resolve('not-found');
    if (!finalizers.includes(finalizer)) return Promise.resolve('absent');
    this.configMapFinalizers.set(
      key,
      finalizers.filter((f) => f !== finalizer),
    );
    return Promise.resolve('removed');
  }

  scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean> {
    this.count('scaleDeployment');
    const found = this.deployments.find((d) => d.namespace === namespace && d.name === name);
    if (found === undefined) return Promise.resolve(false);
    this.deployments = this.deployments.map((d) => (d === found ? { ...d, replicas } : d));
    return Promise.resolve(true);
  }

  getNamespaceLabels(name: string): Promise<Readonly<Record<string, string>> | undefined> {
    this.count('getNamespaceLabels');
    return Promise.resolve(this.namespaceLabels.get(name) ?? {});
  }

  kmmResourceServed(
    plural: 'modules' | 'moduleimagesconfigs' | 'nodemodulesconfigs',
  ): Promise<boolean> {
    this.count('kmmResourceServed');
    return Promise.resolve(this.kmmServed[plural]);
  }

  getModuleCrd(): Promise<ModuleCrdView | undefined> {
    this.count('getModuleCrd');
    if (this.moduleCrd === 'forbidden')
      return Promise.reject(
        new KubeError('get CustomResourceDefinition', { code: 403, body: 'forbidden' }),
      );
    return Promise.resolve(this.moduleCrd);
  }

  getModule(_namespace: string, name: string): Promise<ModuleView | undefined> {
    this.count('getModule');
    return Promise.resolve(this.modules.get(name));
  }

  listModules(labelSelector: string): Promise<ModuleView[]> {
    this.count('listModules');
    const sel = parse(labelSelector, 'labelSelector');
    return Promise.resolve([...this.modules.values()].filter((m) => matches(sel, m.labels)));
  }

  watchModules(_namespace: string, sink: Sink<ModuleView>, signal: AbortSignal): void {
    this.count('listModules');
    this.count('watchModules');
    this.watch(
      this.moduleWatchers,
      () => [...this.modules.values()],
      () => true,
      (m) => m.name,
      sink,
      signal,
    );
  }

  getModuleImagesConfig(_namespace: string, name: string): Promise<MicView | undefined> {
    this.count('getModuleImagesConfig');
    return Promise.resolve(this.mics.get(name));
  }

  getNodeModulesConfig(node: string): Promise<NmcView | undefined> {
    this.count('getNodeModulesConfig');
    return Promise.resolve(this.nmcs.get(node));
  }

  getOnload(_namespace: string, name: string): Promise<OnloadView | undefined> {
    this.count('getOnload');
    return Promise.resolve(this.onloads.get(name));
  }

  listOnloads(): Promise<OnloadView[]> {
    this.count('listOnloads');
    return Promise.resolve([...this.onloads.values()]);
  }

  watchOnload(_namespace: string, name: string, sink: Sink<OnloadView>, signal: AbortSignal): void {
    this.count('listOnload');
    this.count('watchOnload');
    this.watch(
      this.onloadWatchers,
      () => [...this.onloads.values()],
      (o) => o.name === name,
      (o) => o.name,
      sink,
      signal,
    );
  }

  patchOnloadStatus(_namespace: string, name: string, status: OnloadStatus): Promise<boolean> {
    this.count('patchOnloadStatus');
    const onload = this.onloads.get(name);
    if (!onload) return Promise.resolve(false);
    this.statuses.push(status);
    this.onloads.set(name, { ...onload, status });
    return Promise.resolve(true);
  }

  patchOnloadAnnotations(
    _namespace: string,
    name: string,
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<boolean> {
    this.count('patchOnloadAnnotations');
    const onload = this.onloads.get(name);
    if (!onload) return Promise.resolve(false);
    this.putOnload({ ...onload, annotations: mergeStringMap(onload.annotations, annotations) });
    return Promise.resolve(true);
  }

  getLease(_namespace: string, name: string): Promise<LeaseView | undefined> {
    this.count('getLease');
    return Promise.resolve(this.leases.get(name)?.view);
  }

  writeLease(
    _namespace: string,
    name: string,
    lease: LeaseSpec,
    resourceVersion?: string,
  ): Promise<string | undefined> {
    this.count('writeLease');
    const current = this.leases.get(name);
    if (
      resourceVersion === undefined
        ? current !== undefined
        : current?.view.resourceVersion !== resourceVersion && resourceVersion !== ''
    )
      return Promise.resolve(undefined);
    const rv = this.nextVersion();
    this.leases.set(name, {
      spec: lease,
      view: {
        resourceVersion: rv,
        transitions: lease.transitions,
        renewedAt: lease.renewedAt,
        durationSeconds: lease.durationSeconds,
        ...(lease.holder !== null ? { holder: lease.holder } : {}),
      },
    });
    return Promise.resolve(rv);
  }

  deleteLease(_namespace: string, name: string): Promise<void> {
    this.count('deleteLease');
    this.leases.delete(name);
    return Promise.resolve();
  }

  createEvent(event: EventSpec): Promise<void> {
    this.count('createEvent');
    this.events.push(event);
    return Promise.resolve();
  }
}

function podFilter(query: PodQuery): (p: PodView) => boolean {
  const labels: Selector | undefined = query.labelSelector
    ? parse(query.labelSelector, 'labelSelector')
    : undefined;
  const node = /^spec\.nodeName=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
  return (p) =>
    (query.namespace === undefined || p.namespace === query.namespace) &&
    (labels === undefined || matches(labels, p.labels)) &&
    (node === undefined || p.nodeName === node);
}

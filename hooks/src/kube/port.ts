// The narrow Kubernetes interface the hooks and the labeller use. Logic depends on this file only;
// `adapter.ts` implements it over @kubernetes/client-node, tests implement it in memory.
import type { OnloadStatus } from '../../generated/onload-types.ts';
import type { Labels, Selector } from './selectors.ts';

export interface NodeView {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** Condition Ready is True. */
  readonly ready: boolean;
  /** Cordoned (spec.unschedulable) or carrying the unschedulable taint. */
  readonly unschedulable: boolean;
  /** status.allocatable['amd.com/onload'] as a number (0 when absent). */
  readonly onloadAllocatable: number;
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

export interface PodView extends PodRef {
  readonly uid: string;
  readonly nodeName: string;
  readonly labels: Labels;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  readonly phase: string;
  /** Has a deletionTimestamp. */
  readonly deleting: boolean;
  /** creationTimestamp in ms. */
  readonly createdAt: number;
  /** Condition Ready is True. */
  readonly ready: boolean;
  /** Controller owner. */
  readonly owner?: { readonly kind: string; readonly name: string };
  /** Some container (init containers included) requests or limits amd.com/onload > 0. */
  readonly usesOnload: boolean;
  /** A static pod's mirror (cannot be evicted through the API). */
  readonly mirror: boolean;
  /** Sum of container restarts (init containers included). */
  readonly restarts: number;
  /** Why a container is stuck (e.g. "CrashLoopBackOff: back-off restarting failed container"). */
  readonly trouble?: string;
  /** The init container running now, if any, and since when (ms). */
  readonly initRunning?: { readonly container: string; readonly since: number };
}

/** A pod's containers with what they run and, while they wait, why (KMM's image-pull pods). */
export interface PodImagesView {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** spec.containers in order. */
  readonly containers: readonly ContainerImageView[];
}

export interface ContainerImageView {
  readonly image: string;
  /** state.waiting of the container's status, while it has one (e.g. ErrImagePull). */
  readonly waiting?: { readonly reason: string; readonly message?: string };
}

export interface PdbView {
  readonly namespace: string;
  readonly name: string;
  readonly selector: Selector;
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  readonly disruptionsAllowed?: number;
  readonly expectedPods?: number;
}

/** A Module's spec.moduleLoader as JSON (what KMM puts in every node's NodeModulesConfig entry). */
export type LoaderSpec = Readonly<Record<string, unknown>>;

export interface ModuleView {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** spec.moduleLoader.container.version (undefined when not set). */
  readonly version?: string;
  /** Image templates: moduleLoader.container.containerImage and every kernel mapping's. */
  readonly imageTemplates: readonly string[];
  /** spec.moduleLoader as stored ({} when absent). */
  readonly loader: LoaderSpec;
}

/** The KMM Module CRD: per version, whether it is served and the fields its spec schema has. */
export interface ModuleCrdView {
  readonly versions: readonly {
    readonly name: string;
    readonly served: boolean;
    readonly specFields: readonly string[];
  }[];
}

export interface MicView {
  /** spec.images[].image with status.imagesStates[].status (undefined: not checked yet). */
  readonly images: readonly { readonly image: string; readonly state?: string }[];
}

export interface NmcModuleView {
  readonly namespace: string;
  readonly name: string;
  /** Both a spec and a status entry exist and their configs are equal. */
  readonly configApplied: boolean;
}

export interface NmcView {
  readonly modules: readonly NmcModuleView[];
}

export interface OnloadView {
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly annotations: Labels;
  /** spec.selector: the labels of the release's nodes (undefined: every node). */
  readonly selector?: Labels;
  readonly status?: OnloadStatus;
}

export interface LeaseView {
  readonly resourceVersion: string;
  readonly holder?: string;
  /** renewTime in ms. */
  readonly renewedAt?: number;
  readonly durationSeconds?: number;
  readonly transitions: number;
}

export interface LeaseSpec {
  readonly holder: string | null;
  readonly durationSeconds: number;
  readonly acquiredAt: number;
  readonly renewedAt: number;
  readonly transitions: number;
}

export interface DeploymentView {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
}

export interface MetadataPatch {
  /** null removes the key. */
  readonly labels?: Readonly<Record<string, string | null>>;
  readonly annotations?: Readonly<Record<string, string | null>>;
}

export type PatchResult<T> =
  | { readonly kind: 'patched'; readonly object: T }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'not-found' };

export type EvictionResult =
  | { readonly kind: 'evicted' }
  | { readonly kind: 'gone' }
  /** 429: a PodDisruptionBudget does not allow it now. */
  | { readonly kind: 'blocked'; readonly budgets: readonly string[]; readonly message: string }
  /** Any other refusal the caller should report (e.g. 500 with multiple PDBs). */
  | { readonly kind: 'refused'; readonly message: string };

export interface EventSpec {
  readonly namespace: string;
  readonly involved: {
    readonly kind: 'Node' | 'Onload';
    readonly name: string;
    readonly uid?: string;
    readonly namespace?: string;
    readonly apiVersion: string;
  };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly component: string;
  readonly instance: string;
}

export interface PodQuery {
  /** Undefined: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Receives a list+watch stream; `replace` after every (re-)list, then changes. */
export interface Sink<T> {
  replace(items: readonly T[]): void;
  upsert(item: T): void;
  remove(item: T): void;
  /** A watch could not be (re-)established; it keeps retrying. */
  trouble?(error: unknown): void;
}

export interface KubePort {
  listNodes(labelSelector: string): Promise<NodeView[]>;
  getNode(name: string): Promise<NodeView | undefined>;
  /** Merge patch of labels/annotations; with `resourceVersion` it fails with conflict when stale. */
  patchNode(
    name: string,
    patch: MetadataPatch,
    resourceVersion?: string,
  ): Promise<PatchResult<NodeView>>;
  watchNodes(labelSelector: string, sink: Sink<NodeView>, signal: AbortSignal): void;

  listPods(query: PodQuery): Promise<PodView[]>;
  watchPods(query: PodQuery, sink: Sink<PodView>, signal: AbortSignal): void;
  getPod(ref: PodRef): Promise<PodView | undefined>;
  /** One namespace's pods matching a label selector, with their containers' images and waits. */
  listPodImages(namespace: string, labelSelector: string): Promise<PodImagesView[]>;
  evictPod(ref: PodRef): Promise<EvictionResult>;
  /** Deletes a pod (default grace period); true when it existed. */
  deletePod(ref: PodRef): Promise<boolean>;

  listPdbs(namespace?: string): Promise<PdbView[]>;
  findDeployments(name: string): Promise<DeploymentView[]>;
  /** Removes `finalizer` from a ConfigMap: what it found. */
  removeConfigMapFinalizer(
    namespace: string,
    name: string,
    finalizer: string,
  ): Promise<'removed' | 'absent' | 'not-found'>;
  /** Sets a Deployment's replicas (its scale subresource); false when it does not exist. */
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean>;
  /** A namespace's labels; undefined when it does not exist. */
  getNamespaceLabels(name: string): Promise<Readonly<Record<string, string>> | undefined>;

  /**
   * Whether the API server serves this KMM resource, i.e. its CRD is installed (checked by
   * listing at most one object; in `namespace` for the namespaced kinds).
   */
  kmmResourceServed(
    plural: 'modules' | 'moduleimagesconfigs' | 'nodemodulesconfigs',
    namespace: string,
  ): Promise<boolean>;
  /** The KMM Module CRD; undefined when it is not installed. Throws (403) without the right to read it. */
  getModuleCrd(): Promise<ModuleCrdView | undefined>;
  getModule(namespace: string, name: string): Promise<ModuleView | undefined>;
  /** Modules in all namespaces matching a label selector. */
  listModules(labelSelector: string): Promise<ModuleView[]>;
  watchModules(namespace: string, sink: Sink<ModuleView>, signal: AbortSignal): void;
  getModuleImagesConfig(namespace: string, name: string): Promise<MicView | undefined>;
  getNodeModulesConfig(node: string): Promise<NmcView | undefined>;

  getOnload(namespace: string, name: string): Promise<OnloadView | undefined>;
  /** A namespace's Onload resources ([] when the Onload CRD is not installed). */
  listOnloads(namespace: string): Promise<OnloadView[]>;
  watchOnload(namespace: string, name: string, sink: Sink<OnloadView>, signal: AbortSignal): void;
  patchOnloadStatus(namespace: string, name: string, status: OnloadStatus): Promise<boolean>;
  patchOnloadAnnotations(
    namespace: string,
    name: string,
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<boolean>;

  getLease(namespace: string, name: string): Promise<LeaseView | undefined>;
  /** Creates or (with the observed resourceVersion) replaces the lease; its new resourceVersion, undefined on conflict. */
  writeLease(
    namespace: string,
    name: string,
    lease: LeaseSpec,
    resourceVersion?: string,
  ): Promise<string | undefined>;
  deleteLease(namespace: string, name: string): Promise<void>;

  createEvent(event: EventSpec): Promise<void>;
}

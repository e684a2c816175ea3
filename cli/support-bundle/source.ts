// The read-only Kubernetes interface the support bundle collects through. It is generic (any
// resource as the API server's JSON, pod logs), unlike the hooks' narrow KubePort. One
// implementation over @kubernetes/client-node (`client-node-source.ts`), one in memory for tests
// (`memory-source.ts`).

/** An API resource: group '' is the core group. */
export interface ResourceKind {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** An object as the API server sends it (JSON), never a typed model that drops fields. */
export type KubeObject = Readonly<Record<string, unknown>>;

export interface ListQuery {
  /** For namespaced kinds; undefined: all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface LogQuery {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The log of the previous (terminated) instance of the container. */
  readonly previous: boolean;
  /** At most this many bytes, from the end of the log. */
  readonly limitBytes: number;
}

export interface ClusterSource {
  /** Every object (all pages). Throws SourceError 404 when the API server does not serve the kind. */
  list(kind: ResourceKind, query: ListQuery, signal: AbortSignal): Promise<KubeObject[]>;
  /** Throws SourceError 404 when the object does not exist. */
  get(
    kind: ResourceKind,
    name: string,
    namespace: string | undefined,
    signal: AbortSignal,
  ): Promise<KubeObject>;
  podLog(query: LogQuery, signal: AbortSignal): Promise<string>;
  /** The API server's /version. */
  serverVersion(signal: AbortSignal): Promise<KubeObject>;
}

/** A failed read; `status` is the HTTP status when the API server answered. */
export class SourceError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceError';
    this.status = status;
  }
}

export const kinds = {
  onloads: { group: 'onload.amd.com', version: 'v1alpha1', plural: 'onloads', namespaced: true },
  modules: { group: 'kmm.sigs.x-k8s.io', version: 'v1beta1', plural: 'modules', namespaced: true },
  nodeModulesConfigs: {
    group: 'kmm.sigs.x-k8s.io',
    version: 'v1beta1',
    plural: 'nodemodulesconfigs',
    namespaced: false,
  },
  moduleImagesConfigs: {
    group: 'kmm.sigs.x-k8s.io',
    version: 'v1beta1',
    plural: 'moduleimagesconfigs',
    namespaced: true,
  },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  podDisruptionBudgets: {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceKind>;

/** The API path of a kind's collection (in a namespace when given and the kind is namespaced). */
export function collectionPath(kind: ResourceKind, namespace?: string): string {
  const base = kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
  const ns =
    kind.namespaced && namespace !== undefined
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${base}${ns}/${kind.plural}`;
}

/** `modules.kmm.sigs.x-k8s.io`, `pods` — the resource as RBAC rules name it. */
export function resourceName(kind: ResourceKind): string {
  return kind.group === '' ? kind.plural : `${kind.plural}.${kind.group}`;
}

// The node/label contract (docs/architecture.md, node contract) and the names the chart, the hooks and the test bed share.
// The chart's templates spell the same keys; render tests check they agree with this file.

export const onloadGroup = 'onload.amd.com';

/** KMM Module names, fixed by the seed design (one Onload deployment per namespace). */
export const moduleNames = { onload: 'onload', sfc: 'sfc' } as const;
export type ModuleKey = keyof typeof moduleNames;

/** The KMM Module API the chart applies, and the name of its CRD. */
export const kmmModuleApi = {
  group: 'kmm.sigs.x-k8s.io',
  version: 'v1beta1',
  crd: 'modules.kmm.sigs.x-k8s.io',
} as const;

/** Extended resource the device plugin advertises. */
export const onloadResource = 'amd.com/onload';

/** KMM: the version this node must run; written by us. */
export function kmmVersionLabel(namespace: string, module: string): string {
  return `kmm.node.kubernetes.io/version-module.${namespace}.${module}`;
}

/** KMM: present (empty value) while the module is loaded; written by KMM. */
export function kmmReadyLabel(namespace: string, module: string): string {
  return `kmm.node.kubernetes.io/${namespace}.${module}.ready`;
}

/** KMM >= 2.5: the loaded version; written by KMM. */
export function kmmVersionReadyLabel(namespace: string, module: string): string {
  return `kmm.node.kubernetes.io/${namespace}.${module}.version.ready`;
}

/** Our per-node rollout state (values: NodeState). */
export function stateLabel(namespace: string): string {
  return `${onloadGroup}/${namespace}.upgrade-state`;
}

/** While present, the device plugin and control plane DaemonSets leave the node. */
export function pausedLabel(namespace: string): string {
  return `${onloadGroup}/${namespace}.paused`;
}

/** Set by users (value "true") to keep a node out of rollouts. */
export const skipLabel = `${onloadGroup}/upgrade-skip`;

/** Set by users (value "true") on a pod that must never be evicted by a rollout. */
export const podEvictSkipLabel = `${onloadGroup}/evict-skip`;

/**
 * Rollout bookkeeping on a Node: since (when the current state began), reason + message (why a
 * node failed), target (version the node is heading to), unloaded (modules seen unloaded in this
 * reload, for KMM < 2.5), retried (when the one KMM worker-pod retry happened).
 */
export type NodeAnnotationKey = 'since' | 'reason' | 'target' | 'message' | 'unloaded' | 'retried';
export const nodeAnnotationKeys: readonly NodeAnnotationKey[] = [
  'since',
  'reason',
  'target',
  'message',
  'unloaded',
  'retried',
];
export function nodeAnnotation(namespace: string, key: NodeAnnotationKey): string {
  return `${onloadGroup}/${namespace}.upgrade-${key}`;
}

/** On the Onload CR: "true" pauses the rollout between nodes. */
export const pauseAnnotation = `${onloadGroup}/paused`;

/** On the Onload CR: the version whose canary nodes already paused the rollout once. */
export const canaryDoneAnnotation = `${onloadGroup}/canary-done`;

/** The Lease that keeps two hook runs from overlapping (`<fullname>` = the Onload CR's name). */
export function rolloutLeaseName(fullname: string): string {
  return `${fullname}-rollout`;
}

/**
 * The name the chart gives a component's object (`onload.componentName`): the fullname cut so
 * that `<fullname>-<suffix>` fits 63 characters, one trailing `-` dropped.
 */
export function componentObjectName(fullname: string, suffix: string): string {
  const base = fullname.slice(0, 62 - suffix.length);
  return `${base.endsWith('-') ? base.slice(0, -1) : base}-${suffix}`;
}

/** The uninstall guard (templates/uninstall-guard.yaml): its name suffix and its finalizer. */
export const uninstallGuard = {
  suffix: 'uninstall-guard',
  finalizer: `${onloadGroup}/uninstall-guard`,
} as const;

export const nodeStates = [
  'upgrade-required',
  'stopping-device-plugin',
  'evicting',
  'reloading-driver',
  'validating',
  'upgrade-done',
  'upgrade-failed',
] as const;
export type NodeState = (typeof nodeStates)[number];

/** app.kubernetes.io/component values of the chart's pods. */
export const components = {
  devicePlugin: 'device-plugin',
  controlPlane: 'control-plane',
  sfptpd: 'sfptpd',
  labeller: 'labeller',
  hook: 'hook',
  onloadMetrics: 'onload-metrics',
  /** The `helm test` pod: a test hook, so not a release object that uninstall deletes. */
  test: 'test',
} as const;

/**
 * Pod label of a device plugin / control plane pod: the onload.version whose userland it runs (a
 * name; the pod's init step compares the driver with the version the userland reports itself).
 */
export const userlandVersionLabel = `${onloadGroup}/version`;

/** Environment of the hook and labeller containers, set by the chart. */
export const hookEnv = {
  release: 'ONLOAD_RELEASE',
  namespace: 'ONLOAD_NAMESPACE',
  crName: 'ONLOAD_CR_NAME',
  spec: 'ONLOAD_SPEC',
  /** The hook Jobs only: each KMM Module's rendered spec.moduleLoader by Module name (JSON). */
  moduleLoaders: 'ONLOAD_MODULE_LOADERS',
  chartVersion: 'ONLOAD_CHART_VERSION',
  deadlineSeconds: 'ONLOAD_DEADLINE_SECONDS',
  podName: 'POD_NAME',
  logLevel: 'LOG_LEVEL',
} as const;

/**
 * Node.js settings the chart gives every hook and labeller container. What they hold is tens of
 * MiB; V8's young generation and glibc's per-thread malloc arenas would otherwise grow the resident
 * set to several times that (measured with `npm run bench`).
 */
export const nodeRuntimeEnv = { MALLOC_ARENA_MAX: '2' } as const;

/**
 * NODE_OPTIONS for a container with this memory limit (MiB). V8 sizes its heap from the cgroup
 * limit as if the heap were all the process holds, so a container would be OOM-killed before a
 * full collection; half the limit leaves room for the binary, code and buffers.
 */
export function nodeOptions(memoryLimitMiB: number | undefined): string {
  const heap =
    memoryLimitMiB === undefined ? '' : ` --max-old-space-size=${Math.floor(memoryLimitMiB / 2)}`;
  return `--max-semi-space-size=1${heap}`;
}

/**
 * Environment of the Onload metrics pod's two containers (orm-json-runner, onload-exporter), set
 * by the chart; `port` is also the labeller's metrics port (metrics.labeller.enabled).
 */
export const metricsEnv = {
  /** Port of /metrics (and /orm.json on the exporter). */
  port: 'ONLOAD_METRICS_PORT',
  /** The emptyDir the runner writes the last run to and the exporter reads it from. */
  dir: 'ONLOAD_METRICS_DIR',
  /** Stacks with series of their own; the others are summed into stack_id="_overflow". */
  maxStacks: 'ONLOAD_METRICS_MAX_STACKS',
  /** The node's name (downward API), the exporter's `node` label. */
  nodeName: 'NODE_NAME',
  /** The orm_json program the runner runs (a fixture program on a test bed). */
  ormJson: 'ONLOAD_ORM_JSON',
  /** Its arguments, separated by spaces. */
  ormJsonArgs: 'ONLOAD_ORM_JSON_ARGS',
  /** Where the host's / is mounted: ELF programs run with the host's loader and libraries. */
  hostRoot: 'ONLOAD_HOST_ROOT',
  /** The kernel's per-stack lines with the creating pid ("" to read none). */
  stacksFile: 'ONLOAD_STACKS_FILE',
  intervalSeconds: 'ONLOAD_METRICS_INTERVAL_SECONDS',
  timeoutSeconds: 'ONLOAD_ORM_JSON_TIMEOUT_SECONDS',
  maxOutputBytes: 'ONLOAD_ORM_JSON_MAX_BYTES',
} as const;

/**
 * Environment of the sfptpd exporter container of the sfptpd pod (metrics.sfptpd.enabled), set by
 * the chart; it also reads metricsEnv.port and metricsEnv.nodeName.
 */
export const sfptpdMetricsEnv = {
  /** auto, openmetrics or json. */
  source: 'SFPTPD_METRICS_SOURCE',
  /** sfptpd's OpenMetrics Unix socket. */
  socket: 'SFPTPD_METRICS_SOCKET',
  /** The file sfptpd writes its JSON-lines stats to (`json_stats` in sfptpd.cfg). */
  jsonStats: 'SFPTPD_JSON_STATS',
  /** The exporter truncates the JSON-lines file once read when it is larger. */
  jsonStatsMaxBytes: 'SFPTPD_JSON_STATS_MAX_BYTES',
  /** An instance sfptpd has not reported for longer is shown not in sync. */
  staleSeconds: 'SFPTPD_STALE_SECONDS',
} as const;

/** Where the sfptpd pod's containers share sfptpd's run directory (an emptyDir). */
export const sfptpdRunDir = '/run/sfptpd';

/** HTTP paths of the metrics servers. */
export const metricsPaths = {
  metrics: '/metrics',
  ormJson: '/orm.json',
  health: '/healthz',
} as const;

/** Entry points of the hooks image (bundles under /app in the image, dist/hooks locally). */
export const hookPhases = ['pre', 'post', 'pre-delete'] as const;
export const entryPoints = [
  ...hookPhases,
  'labeller',
  'onload-exporter',
  'orm-json-runner',
  'sfptpd-exporter',
] as const;
export type EntryPoint = (typeof entryPoints)[number];
export const imageAppDir = '/app';

// Builders for planner tests: nodes, pods, policies and snapshots with readable defaults.
import {
  components,
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  nodeAnnotation,
  onloadResource,
  pausedLabel,
  stateLabel,
  userlandVersionLabel,
  type NodeState,
} from '../contract.ts';
import type {
  LoaderSpec,
  MetadataPatch,
  ModuleView,
  NodeView,
  PodImagesView,
  PodView,
} from '../kube/port.ts';
import { fromMap, parse } from '../kube/selectors.ts';
import { formatTime, readNodeFacts, type NodeFacts } from '../model/node-facts.ts';
import {
  kmmImageOwnerLabel,
  kmmPullPodTypeLabel,
  pullPodRetriedUntilSuccess,
} from '../model/pull-pods.ts';
import { nodePatch } from '../runtime/node-writer.ts';
import type { Policy, Timeouts } from '../planner/policy.ts';
import type { Action, RolloutSnapshot, SelectedNode } from '../planner/types.ts';

export const ns = 'onload-system';
export const release = 'onload';
export const t0 = Date.parse('2026-01-01T00:00:00Z');

export interface PolicyOptions {
  readonly desiredVersion?: string;
  readonly sfcEnabled?: boolean;
  readonly maxParallel?: number;
  readonly maxUnavailable?: number | string;
  readonly canaryNames?: readonly string[];
  readonly canarySelector?: Record<string, string>;
  readonly pauseAfter?: boolean;
  readonly timeouts?: Partial<Timeouts>;
  readonly podSelector?: string;
  readonly force?: boolean;
  readonly failurePolicy?: 'Stop' | 'Continue';
}

export const defaultTimeouts: Timeouts = {
  devicePluginStopSeconds: 300,
  evictionSeconds: 300,
  driverReloadSeconds: 600,
  validationSeconds: 300,
  installSeconds: 900,
};

export function policy(o: PolicyOptions = {}): Policy {
  return {
    namespace: ns,
    release,
    desiredVersion: o.desiredVersion ?? 'v2',
    sfcEnabled: o.sfcEnabled ?? true,
    maxParallel: o.maxParallel ?? 1,
    maxUnavailable: o.maxUnavailable ?? '25%',
    canary: {
      nodeNames: o.canaryNames ?? [],
      pauseAfter: o.pauseAfter ?? false,
      ...(o.canarySelector ? { selector: fromMap(o.canarySelector) } : {}),
    },
    timeouts: { ...defaultTimeouts, ...o.timeouts },
    eviction: {
      force: o.force ?? false,
      ...(o.podSelector ? { extra: parse(o.podSelector, 'podSelector') } : {}),
    },
    failurePolicy: o.failurePolicy ?? 'Stop',
  };
}

export interface NodeOptions {
  /** Our onload (and sfc) version labels. */
  readonly version?: string;
  readonly onload?: string | null;
  readonly sfc?: string | null;
  /** KMM's ready labels: loaded version for both modules (null: not loaded). */
  readonly loaded?: string | null;
  readonly onloadLoaded?: string | null;
  readonly sfcLoaded?: string | null;
  /** Without KMM >= 2.5's `.version.ready` labels. */
  readonly oldKmm?: boolean;
  readonly paused?: boolean;
  readonly state?: NodeState;
  readonly since?: number;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly ready?: boolean;
  readonly unschedulable?: boolean;
  readonly allocatable?: number;
  readonly resourceVersion?: string;
}

export function node(name: string, o: NodeOptions = {}): NodeView {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, ...o.labels };
  const annotations: Record<string, string> = { ...o.annotations };
  const onload = o.onload === undefined ? o.version : o.onload;
  const sfc = o.sfc === undefined ? o.version : o.sfc;
  if (onload != null) labels[kmmVersionLabel(ns, 'onload')] = onload;
  if (sfc != null) labels[kmmVersionLabel(ns, 'sfc')] = sfc;
  const onloadLoaded = o.onloadLoaded === undefined ? o.loaded : o.onloadLoaded;
  const sfcLoaded = o.sfcLoaded === undefined ? o.loaded : o.sfcLoaded;
  for (const [m, v] of [
    ['onload', onloadLoaded],
    ['sfc', sfcLoaded],
  ] as const) {
    if (v == null) continue;
    labels[kmmReadyLabel(ns, m)] = '';
    if (!o.oldKmm) labels[kmmVersionReadyLabel(ns, m)] = v;
  }
  if (o.paused) labels[pausedLabel(ns)] = 'true';
  if (o.state) labels[stateLabel(ns)] = o.state;
  if (o.since !== undefined) annotations[nodeAnnotation(ns, 'since')] = formatTime(o.since);
  return {
    name,
    uid: `uid-${name}`,
    resourceVersion: o.resourceVersion ?? '1',
    labels,
    annotations,
    ready: o.ready ?? true,
    unschedulable: o.unschedulable ?? false,
    onloadAllocatable: o.allocatable ?? 0,
  };
}

/** A node's facts as the phases read them before planning. */
export function nodeFacts(name: string, o: NodeOptions = {}): NodeFacts {
  return readNodeFacts(node(name, o), ns);
}

export interface PodOptions {
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly usesOnload?: boolean;
  readonly deleting?: boolean;
  readonly ready?: boolean;
  readonly phase?: string;
  readonly createdAt?: number;
  readonly restarts?: number;
  readonly trouble?: string;
  readonly owner?: { kind: string; name: string };
  /** When its init container (named init) started running; it still runs. */
  readonly initRunningSince?: number;
}

export function pod(name: string, nodeName: string, o: PodOptions = {}): PodView {
  return {
    namespace: o.namespace ?? 'apps',
    name,
    uid: `uid-${o.namespace ?? 'apps'}-${name}`,
    nodeName,
    labels: o.labels ?? {},
    phase: o.phase ?? 'Running',
    deleting: o.deleting ?? false,
    createdAt: o.createdAt ?? t0,
    ready: o.ready ?? true,
    usesOnload: o.usesOnload ?? false,
    mirror: false,
    restarts: o.restarts ?? 0,
    ...(o.trouble ? { trouble: o.trouble } : {}),
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.initRunningSince !== undefined
      ? { initRunning: { container: 'init', since: o.initRunningSince } }
      : {}),
  };
}

export function consumer(name: string, nodeName: string, o: PodOptions = {}): PodView {
  return pod(name, nodeName, { usesOnload: true, ...o });
}

/** A device plugin or control plane pod of this release. */
export function servicePod(
  nodeName: string,
  component: 'device-plugin' | 'control-plane',
  o: { userland?: string; ready?: boolean; deleting?: boolean; initRunningSince?: number } = {},
): PodView {
  return pod(`${component}-${nodeName}`, nodeName, {
    namespace: ns,
    ready: o.ready ?? true,
    deleting: o.deleting ?? false,
    ...(o.initRunningSince !== undefined ? { initRunningSince: o.initRunningSince } : {}),
    labels: {
      'app.kubernetes.io/name': 'onload',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/component':
        component === 'device-plugin' ? components.devicePlugin : components.controlPlane,
      [userlandVersionLabel]: o.userland ?? 'v2',
    },
  });
}

/** The Onload metrics exporter's pod (it leaves a paused node like the device plugin). */
export function metricsPod(nodeName: string): PodView {
  return pod(`onload-metrics-${nodeName}`, nodeName, {
    namespace: ns,
    labels: {
      'app.kubernetes.io/name': 'onload',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/component': components.onloadMetrics,
    },
  });
}

export function services(nodeName: string, userland = 'v2', ready = true): PodView[] {
  return [
    servicePod(nodeName, 'device-plugin', { userland, ready }),
    servicePod(nodeName, 'control-plane', { userland, ready }),
  ];
}

/** Device plugin and control plane of `userland`, their init step running since `since`. */
export function servicesInInit(nodeName: string, since: number, userland = 'v2'): PodView[] {
  return [
    servicePod(nodeName, 'device-plugin', { userland, ready: false, initRunningSince: since }),
    servicePod(nodeName, 'control-plane', { userland, ready: false, initRunningSince: since }),
  ];
}

export function worker(nodeName: string, module: 'onload' | 'sfc', o: PodOptions = {}): PodView {
  return pod(`kmm-worker-${nodeName}-${module}`, nodeName, {
    namespace: ns,
    ...o,
    labels: {
      'kmm.node.kubernetes.io/worker-action': 'Load',
      'kmm.node.kubernetes.io/module.name': module,
      ...o.labels,
    },
  });
}

/** The loader the chart renders for a Module (the fake cluster's and the hook Job's). */
export function loader(
  name: 'onload' | 'sfc',
  version: string,
  image = 'img:${KERNEL_FULL_VERSION}',
): LoaderSpec {
  return {
    serviceAccountName: 'onload-workload',
    container: {
      modprobe: { moduleName: name, parameters: ['--first-time'] },
      ...(name === 'sfc' ? { inTreeModuleToRemove: 'sfc' } : {}),
      version,
      kernelMappings: [{ regexp: '.*', containerImage: image }],
    },
  };
}

export function module(name: 'onload' | 'sfc', version: string, image?: string): ModuleView {
  return {
    namespace: ns,
    name,
    labels: {},
    version,
    imageTemplates: [],
    loader: loader(name, version, image),
  };
}

export interface PullPodOptions {
  /** Why its container waits (undefined: pulled, running). */
  readonly waiting?: { readonly reason: string; readonly message?: string };
  /** Label pull-pod-type (default until-success, a pre-built image). */
  readonly type?: string;
  readonly suffix?: string;
}

/** KMM's image-pull pod of one of a Module's images, as KMM >= 2.4 creates it. */
export function pullPod(module: string, image: string, o: PullPodOptions = {}): PodImagesView {
  return {
    namespace: ns,
    name: `${module}-pull-pod-${o.suffix ?? 'x7k2p'}`,
    labels: {
      [kmmImageOwnerLabel]: module,
      [kmmPullPodTypeLabel]: o.type ?? pullPodRetriedUntilSuccess,
    },
    containers: [{ image, ...(o.waiting ? { waiting: o.waiting } : {}) }],
  };
}

export interface SnapshotOptions extends Partial<Omit<RolloutSnapshot, 'nodes'>> {
  readonly nodes?: readonly NodeView[];
  readonly version?: string;
}

/** The nodes of a snapshot, their facts read as the runtime reads them before planning. */
export function selected(nodes: readonly NodeView[]): SelectedNode[] {
  return nodes.map((view) => ({ view, facts: readNodeFacts(view, ns) }));
}

export function snapshot(o: SnapshotOptions = {}): RolloutSnapshot {
  const version = o.version ?? 'v2';
  return {
    now: o.now ?? t0,
    runStartedAt: o.runStartedAt ?? t0 - 1_000,
    deadlineAt: o.deadlineAt ?? t0 + 3_600_000,
    stopping: o.stopping ?? false,
    nodes: selected(o.nodes ?? []),
    nodePods: o.nodePods ?? new Map(),
    releasePods: o.releasePods ?? [],
    workerPods: o.workerPods ?? [],
    nmc: o.nmc ?? new Map(),
    modules: o.modules ?? { onload: module('onload', version), sfc: module('sfc', version) },
    cr: o.cr ?? { paused: false },
    evictions: o.evictions ?? new Map(),
  };
}

/** Allocatable amd.com/onload for a serving node. */
export const allocatable = { [onloadResource]: 100 };

type Spelled = Required<{ [K in keyof MetadataPatch]: NonNullable<MetadataPatch[K]> }>;

/** A planned action with its node change spelled as the labels and annotations it writes. */
export type Expanded<A extends Action = Action> = A extends { kind: 'patch-node' }
  ? A & Spelled
  : A;

export function expanded(actions: readonly Action[]): Expanded[] {
  return actions.map((a) =>
    a.kind === 'patch-node' ? { ...a, labels: {}, annotations: {}, ...nodePatch(a.change, ns) } : a,
  );
}

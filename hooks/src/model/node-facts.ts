// The node contract's one reader and writer (docs/architecture.md, node contract): what a Node's
// labels and annotations say about Onload on it, read without judgement, and NodeChange, the
// typed change every planner emits, turned into label and annotation keys by nodePatch alone.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  nodeAnnotation,
  nodeAnnotationKeys,
  nodeStates,
  type NodeAnnotationKey,
  pausedLabel,
  skipLabel,
  stateLabel,
  type ModuleKey,
  type NodeState,
} from '../contract.ts';
import type { MetadataPatch, NodeView } from '../kube/port.ts';

export interface ModuleFacts {
  /** Our KMM version label (the version KMM must run). */
  readonly label?: string;
  /** KMM's `.ready` label is present. */
  readonly ready: boolean;
  /** KMM >= 2.5 `.version.ready` label. */
  readonly versionReady?: string;
}

export interface NodeFacts {
  readonly name: string;
  readonly modules: Readonly<Record<ModuleKey, ModuleFacts>>;
  readonly paused: boolean;
  /** Our state label when it holds a known state. */
  readonly state?: NodeState;
  readonly since?: number;
  readonly target?: string;
  readonly reason?: string;
  readonly message?: string;
  /** Modules seen unloaded during the current reload (KMM < 2.5 fallback evidence). */
  readonly unloaded: readonly ModuleKey[];
  readonly retriedAt?: number;
  readonly skip: boolean;
}

export const inProgressStates: readonly NodeState[] = [
  'stopping-device-plugin',
  'evicting',
  'reloading-driver',
  'validating',
];

export function isInProgressState(state: NodeState | undefined): boolean {
  return state !== undefined && inProgressStates.includes(state);
}

export function readNodeFacts(node: NodeView, namespace: string): NodeFacts {
  const { labels, annotations } = node;
  const module = (m: ModuleKey): ModuleFacts => {
    const name = moduleNames[m];
    const label = labels[kmmVersionLabel(namespace, name)];
    const versionReady = labels[kmmVersionReadyLabel(namespace, name)];
    return {
      ready: Object.hasOwn(labels, kmmReadyLabel(namespace, name)),
      ...(label !== undefined ? { label } : {}),
      ...(versionReady !== undefined ? { versionReady } : {}),
    };
  };
  const rawState = labels[stateLabel(namespace)];
  const state = nodeStates.find((s) => s === rawState);
  const since = parseTime(annotations[nodeAnnotation(namespace, 'since')]);
  const retriedAt = parseTime(annotations[nodeAnnotation(namespace, 'retried')]);
  const target = annotations[nodeAnnotation(namespace, 'target')];
  const reason = annotations[nodeAnnotation(namespace, 'reason')];
  const message = annotations[nodeAnnotation(namespace, 'message')];
  const unloadedRaw = annotations[nodeAnnotation(namespace, 'unloaded')] ?? '';
  const unloaded = (Object.keys(moduleNames) as ModuleKey[]).filter((m) =>
    unloadedRaw.split(',').includes(moduleNames[m]),
  );
  return {
    name: node.name,
    modules: { onload: module('onload'), sfc: module('sfc') },
    paused: Object.hasOwn(labels, pausedLabel(namespace)),
    skip: labels[skipLabel] === 'true',
    unloaded,
    ...(state !== undefined ? { state } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(retriedAt !== undefined ? { retriedAt } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The value of the `unloaded` annotation for a set of modules. */
export function formatUnloaded(modules: readonly ModuleKey[]): string {
  return [...new Set(modules)]
    .sort()
    .map((m) => moduleNames[m])
    .join(',');
}

/**
 * A change to a Node in terms of the contract; `nodePatch` alone turns it into label and
 * annotation keys. `null` removes; an absent field leaves the node as it is.
 */
export interface NodeChange {
  readonly state?: NodeState | null;
  readonly paused?: boolean;
  /** KMM version labels: the version KMM must run, or null to unload. */
  readonly versions?: Readonly<Partial<Record<ModuleKey, string | null>>>;
  /** When the current state began (ms). */
  readonly since?: number;
  /** The version the node is heading to. */
  readonly target?: string;
  /** Why the node failed; null clears reason and message. */
  readonly failure?: { readonly reason: string; readonly message: string } | null;
  /** Modules seen unloaded in this reload; null clears. */
  readonly unloaded?: readonly ModuleKey[] | null;
  /** When the one KMM worker-pod retry happened (ms); null clears. */
  readonly retried?: number | null;
}

type Ops = Record<string, string | null>;

export function nodePatch(
  change: NodeChange,
  namespace: string,
): { readonly labels: Ops; readonly annotations: Ops } {
  const labels: Ops = {};
  const annotations: Ops = {};
  const note = (key: NodeAnnotationKey, value: string | null | undefined): void => {
    if (value !== undefined) annotations[nodeAnnotation(namespace, key)] = value;
  };
  if (change.state !== undefined) labels[stateLabel(namespace)] = change.state;
  if (change.paused !== undefined) labels[pausedLabel(namespace)] = change.paused ? 'true' : null;
  for (const m of Object.keys(change.versions ?? {}) as ModuleKey[]) {
    const version = change.versions?.[m];
    if (version !== undefined) labels[kmmVersionLabel(namespace, moduleNames[m])] = version;
  }
  note('since', change.since === undefined ? undefined : formatTime(change.since));
  note('target', change.target);
  note('reason', change.failure === undefined ? undefined : (change.failure?.reason ?? null));
  note('message', change.failure === undefined ? undefined : (change.failure?.message ?? null));
  if (change.unloaded !== undefined)
    note('unloaded', change.unloaded === null ? null : formatUnloaded(change.unloaded));
  if (change.retried !== undefined)
    note('retried', change.retried === null ? null : formatTime(change.retried));
  return { labels, annotations };
}

export function isEmptyChange(change: NodeChange): boolean {
  return Object.values(change).every((v) => v === undefined);
}

/** Every label key of ours on a node (what uninstall and leaving the selector remove). */
export function ourLabelKeys(namespace: string): string[] {
  return [
    kmmVersionLabel(namespace, moduleNames.onload),
    kmmVersionLabel(namespace, moduleNames.sfc),
    stateLabel(namespace),
    pausedLabel(namespace),
  ];
}

/** The patch that removes every key of ours from the node, or undefined when it has none. */
export function cleanupPatch(node: NodeView, namespace: string): MetadataPatch | undefined {
  const labels = Object.fromEntries(
    ourLabelKeys(namespace)
      .filter((k) => Object.hasOwn(node.labels, k))
      .map((k) => [k, null]),
  );
  const annotations = Object.fromEntries(
    nodeAnnotationKeys
      .map((k) => nodeAnnotation(namespace, k))
      .filter((k) => Object.hasOwn(node.annotations, k))
      .map((k) => [k, null]),
  );
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return undefined;
  return { labels, annotations };
}

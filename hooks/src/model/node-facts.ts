// The node contract's reader (docs/architecture.md, node contract): what a Node's labels and
// annotations say about Onload on it, read without judgement; and NodeChange, the typed change
// every planner emits, which runtime/node-writer.ts alone turns into a patch.
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
import type { NodeView } from '../kube/port.ts';

/**
 * Every label and annotation of ours on a Node, named by what it holds: a module's name stands
 * for its KMM version label, the annotation keys for the rollout bookkeeping.
 */
export type OwnKey = ModuleKey | 'state' | 'paused' | NodeAnnotationKey;
export const ownKeys: readonly OwnKey[] = [
  'onload',
  'sfc',
  'state',
  'paused',
  ...nodeAnnotationKeys,
];

/** Where an own key lives on a Node of this namespace, and its full name. */
export function ownKeyName(
  namespace: string,
  key: OwnKey,
): { readonly in: 'labels' | 'annotations'; readonly name: string } {
  switch (key) {
    case 'onload':
    case 'sfc':
      return { in: 'labels', name: kmmVersionLabel(namespace, moduleNames[key]) };
    case 'state':
      return { in: 'labels', name: stateLabel(namespace) };
    case 'paused':
      return { in: 'labels', name: pausedLabel(namespace) };
    default:
      return { in: 'annotations', name: nodeAnnotation(namespace, key) };
  }
}

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
  /** The version of the Node these facts were read from (a write's precondition). */
  readonly resourceVersion: string;
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
  /** Our keys present on the node, whatever their values. */
  readonly carried: readonly OwnKey[];
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

/** What the contract reads of a Node. */
export type NodeMetadata = Pick<NodeView, 'name' | 'resourceVersion' | 'labels' | 'annotations'>;

export function readNodeFacts(node: NodeMetadata, namespace: string): NodeFacts {
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
    resourceVersion: node.resourceVersion,
    modules: { onload: module('onload'), sfc: module('sfc') },
    paused: Object.hasOwn(labels, pausedLabel(namespace)),
    skip: labels[skipLabel] === 'true',
    unloaded,
    carried: ownKeys.filter((k) => {
      const where = ownKeyName(namespace, k);
      return Object.hasOwn(node[where.in], where.name);
    }),
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

/**
 * A change to a Node in terms of the contract; runtime/node-writer.ts alone turns it into label
 * and annotation keys. `null` removes; an absent field leaves the node as it is.
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
  /** Keys of ours removed whatever they hold (uninstall, leaving the selector). */
  readonly forget?: readonly OwnKey[];
  /** The users' skip label (`kubectl onload skip/unskip`); never part of `forget`. */
  readonly skip?: boolean;
}

/** A change to one node, as of the resourceVersion it was decided on. */
export interface NodeWrite {
  readonly node: string;
  readonly resourceVersion: string;
  readonly change: NodeChange;
}

export function isEmptyChange(change: NodeChange): boolean {
  return Object.values(change).every((v) => v === undefined);
}

/** Every label key of ours on a node (the selectors that find nodes to clean). */
export function ourLabelKeys(namespace: string): string[] {
  return ownKeys
    .map((k) => ownKeyName(namespace, k))
    .filter((where) => where.in === 'labels')
    .map((where) => where.name);
}
